//! PostgreSQL: the store for several servers on one database.
//!
//! Nothing is true in one process only. A turn takes a connection from a bounded pool, opens a
//! transaction, takes a transaction-scoped advisory lock on the session's key *before* it reads
//! the session, runs the engine step, writes the new state, answers, history and delivery reply,
//! and commits before the reply goes out. A second server given the same call's next webhook (or
//! a retry of this one) waits on that lock, then reads what the first committed: turns of one
//! session are serialised across servers, and a retried delivery gets the stored reply from
//! whichever server it reaches.
//!
//! Deadlines: the lock wait and every statement are bounded server-side (`lock_timeout`,
//! `statement_timeout`, set for the transaction to the time the turn has left), and the work
//! before `COMMIT` is bounded here; a turn past its deadline is rolled back, never committed
//! behind its caller's back. `COMMIT` itself is awaited: once it is sent, only the server knows
//! whether it happened, and the caller must hear the truth.
//!
//! Schema changes are numbered, like SQLite's, in `switchboard_schema`; they are applied in
//! one transaction under an advisory lock, so servers starting together migrate once, and a
//! server older than the database's schema refuses to start.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use deadpool_postgres::Transaction;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Row};

use super::calls::{self, CallRow, CallsFilter, HistoryRow};
use super::read::{Activity, AnswersFilter, CollectedRow, RouteLine};
use super::turn::{self, AnswerKey, Written, timestamp};
use super::{Cutoffs, Purged, Stepped, StoreError, StoreOptions};
use crate::engine::{Caller, Input, Outcome, Reply, Session};
use crate::versions::Versions;

use connect::{pool, unreachable_reason};

pub(super) use connect::redacted;

mod connect;

/// Connections a server opens at most, by default: a turn holds one for a few milliseconds, so a
/// handful keeps two cores busy, and PostgreSQL's own limit (100 by default) is shared by every
/// server.
pub const POOL_SIZE: u16 = 16;

/// How long a new connection may take before the attempt fails, unless the URL (or
/// `PGCONNECT_TIMEOUT`) says otherwise.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long `/health` waits for the database to answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Each entry moves the schema one version up. Never edit a shipped entry: add a new one. The
/// tables mirror SQLite's (`schema.rs`), with PostgreSQL's types: times are `timestamptz`,
/// answers and history `jsonb` (an operator can query them), states and replies `text` (read
/// and written whole by the engine).
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE sessions (
        key        text PRIMARY KEY,
        channel    text NOT NULL,
        state      text NOT NULL,
        ended      boolean NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    );
    CREATE INDEX sessions_by_start ON sessions (channel, created_at);
    CREATE TABLE collected (
        id          bigserial PRIMARY KEY,
        session_key text NOT NULL,
        seq         bigint NOT NULL,
        channel     text NOT NULL,
        caller      text,
        task        text NOT NULL,
        collect     text NOT NULL,
        status      text NOT NULL,
        answers     jsonb NOT NULL,
        started_at  timestamptz NOT NULL,
        updated_at  timestamptz NOT NULL,
        finished_at timestamptz,
        UNIQUE (session_key, seq, started_at)
    );
    CREATE INDEX collected_by_start ON collected (started_at);
    CREATE TABLE events (
        id                 bigserial PRIMARY KEY,
        session_key        text NOT NULL,
        session_created_at timestamptz NOT NULL,
        turn               bigint NOT NULL,
        at                 timestamptz NOT NULL,
        kind               text NOT NULL,
        detail             jsonb NOT NULL
    );
    CREATE INDEX events_by_call ON events (session_created_at, session_key, id);
    CREATE TABLE deliveries (
        token       text PRIMARY KEY,
        session_key text NOT NULL,
        reply       text NOT NULL,
        at          timestamptz NOT NULL
    );
    CREATE INDEX deliveries_by_time ON deliveries (at);
    CREATE TABLE settings (
        name  text PRIMARY KEY,
        value text NOT NULL
    );
",
    "
    -- 2: one row per conversation, what the console's list of calls shows and filters on,
    -- rewritten by each turn from the session's summary (see the SQLite schema's version 6).
    CREATE TABLE calls (
        started_at       timestamptz NOT NULL,
        session_key      text NOT NULL,
        channel          text NOT NULL,
        caller           text,
        last_at          timestamptz NOT NULL,
        turns            bigint NOT NULL,
        routed           bigint NOT NULL,
        tasks            text NOT NULL,
        collects         text NOT NULL,
        declines         bigint NOT NULL,
        doubtful         bigint NOT NULL,
        webhook_failures bigint NOT NULL,
        ended_by         text,
        PRIMARY KEY (started_at, session_key)
    );
    CREATE INDEX calls_declined ON calls (started_at) WHERE declines > 0;
    CREATE INDEX calls_failed ON calls (started_at) WHERE webhook_failures > 0;
    CREATE INDEX calls_doubtful ON calls (started_at) WHERE doubtful > 0;
    INSERT INTO calls
    SELECT e.session_created_at, e.session_key,
        CASE WHEN e.session_key LIKE 'sms:%' THEN 'sms' ELSE 'voice' END,
        NULL, max(e.at), max(e.turn),
        count(*) FILTER (WHERE j.line -> 'route' ? 'decision'),
        ' ' || coalesce(string_agg(DISTINCT j.line -> 'route' ->> 'task', ' ') || ' ', ''),
        ' ',
        count(*) FILTER (WHERE j.line -> 'route' ->> 'decision' != 'Matched'),
        count(*) FILTER (WHERE j.line -> 'route' ->> 'decision' != 'Matched'),
        count(*) FILTER (WHERE j.line ? 'webhook_failed'),
        max(j.line -> 'end' ->> 'reason')
    FROM events e, jsonb_array_elements(e.detail) AS j(line)
    GROUP BY e.session_created_at, e.session_key;
    UPDATE calls SET
        collects = coalesce((SELECT ' ' || string_agg(c.collect || ':' || c.status, ' ') || ' '
            FROM collected c WHERE c.session_key = calls.session_key
            AND c.started_at >= calls.started_at AND c.started_at <= calls.last_at), ' '),
        caller = (SELECT c.caller FROM collected c WHERE c.session_key = calls.session_key
            AND c.started_at >= calls.started_at LIMIT 1);
",
];

/// The connected store.
pub(super) struct Store {
    pool: Pool,
    key: AnswerKey,
    /// Host, port and database, for messages.
    target: String,
    /// When the next purge is due, in milliseconds since `started`; the first turn to find it
    /// passed moves it on and starts the purge beside itself.
    next_purge: AtomicU64,
    started: Instant,
    retention: Option<chrono::Duration>,
    purge_every: Duration,
    /// Whether turns use prepared statements ([`StoreOptions::prepared_statements`]).
    prepared: bool,
}

impl Store {
    /// Connects, migrates and reads the answer key.
    pub(super) async fn connect(url: &str, options: StoreOptions) -> Result<Store, StoreError> {
        let (pool, mut client, target) = first_connection(url, options.pool_size).await?;
        let unusable = |reason: String| StoreError::Connect {
            target: target.clone(),
            reason,
        };
        migrate(&mut client)
            .await
            .map_err(|e| unusable(e.to_string()))?;
        let key = answer_key(&client)
            .await
            .map_err(|e| unusable(message(&e)))?;
        Ok(Store {
            pool,
            key,
            target,
            // The first purge comes a period after start, as SQLite's does.
            next_purge: AtomicU64::new(
                u64::try_from(options.purge_every.as_millis()).unwrap_or(u64::MAX),
            ),
            started: Instant::now(),
            retention: options.retention,
            purge_every: options.purge_every,
            prepared: options.prepared_statements,
        })
    }

    /// Starts a purge beside the turn if one is due. Every server purges on its own clock;
    /// two purges at once are harmless (each deletes what is left, skipping rows a turn holds).
    fn purge_if_due(&self, now: DateTime<Utc>, sms_idle: chrono::Duration) {
        let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let elapsed = millis(self.started.elapsed());
        let due = self.next_purge.load(Ordering::Relaxed);
        if elapsed < due
            || self
                .next_purge
                .compare_exchange(
                    due,
                    elapsed.saturating_add(millis(self.purge_every)),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        let pool = self.pool.clone();
        let purge = Purge::new(now, sms_idle, self.retention);
        tokio::spawn(async move {
            match purge.run(&pool).await {
                Ok((forgotten, purged)) => {
                    tracing::debug!(forgotten, "forgot old delivery replies and sessions");
                    if purge.cutoffs.retention.is_some() {
                        tracing::info!(
                            collected = purged.collected,
                            events = purged.events,
                            calls = purged.calls,
                            sessions = purged.sessions,
                            "retention: deleted old answers and history"
                        );
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not purge old sessions, replies and history; will try again later")
                }
            }
        });
    }

    pub(super) fn target(&self) -> &str {
        &self.target
    }

    /// Whether the database answers now. `/health` is open to anyone, so the reason it gives is
    /// generic; the log has the details (host, the server's own words).
    pub(super) async fn health(&self) -> Result<(), StoreError> {
        let probe = async {
            let client = self.pool.get().await.map_err(pool_error)?;
            client.simple_query("SELECT 1").await?;
            Ok::<(), StoreError>(())
        };
        let failure = match tokio::time::timeout(HEALTH_TIMEOUT, probe).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} s", HEALTH_TIMEOUT.as_secs()),
        };
        tracing::warn!(database = %self.target, error = %failure, "health check: PostgreSQL does not answer");
        Err(StoreError::Postgres(
            "PostgreSQL does not answer; the server's log says why".into(),
        ))
    }

    /// Conversations not ended whose last turn came after `since`.
    pub(super) async fn sessions_in_progress(
        &self,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let count: i64 = client
            .query_typed_one(
                "SELECT count(*) FROM sessions WHERE NOT ended AND updated_at >= $1",
                &[(&since, Type::TIMESTAMPTZ)],
            )
            .await?
            .get(0);
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Conversations per day, collects by status and failed web service calls since `since`.
    pub(super) async fn activity(&self, since: DateTime<Utc>) -> Result<Activity, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let since = [(
            &since as &(dyn tokio_postgres::types::ToSql + Sync),
            Type::TIMESTAMPTZ,
        )];
        let mut activity = Activity::default();
        for row in client
            .query_typed(
                "SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                        channel = 'sms', count(*)
                 FROM calls WHERE started_at >= $1 GROUP BY 1, 2",
                &since,
            )
            .await?
        {
            let count: i64 = row.try_get(2)?;
            activity.add_day(
                row.try_get(0)?,
                row.try_get(1)?,
                u64::try_from(count).unwrap_or(0),
            );
        }
        for row in client
            .query_typed(
                "SELECT collect, status, count(*) FROM collected WHERE started_at >= $1
                 GROUP BY collect, status",
                &since,
            )
            .await?
        {
            let status: String = row.try_get(1)?;
            let count: i64 = row.try_get(2)?;
            activity.add_collect(row.try_get(0)?, &status, u64::try_from(count).unwrap_or(0));
        }
        let sums = client
            .query_typed_one(
                "SELECT coalesce(sum(webhook_failures), 0)::bigint, coalesce(sum(routed), 0)::bigint,
                        coalesce(sum(declines), 0)::bigint
                 FROM calls WHERE started_at >= $1",
                &since,
            )
            .await?;
        let count = |i: usize| -> Result<u64, StoreError> {
            Ok(u64::try_from(sums.try_get::<_, i64>(i)?).unwrap_or(0))
        };
        activity.webhook_failures = count(0)?;
        activity.routed = count(1)?;
        activity.declines = count(2)?;
        activity.days.sort();
        activity.collects.sort();
        Ok(activity)
    }

    /// The utterances the matcher judged in calls started since `since`.
    pub(super) async fn route_lines(
        &self,
        since: DateTime<Utc>,
        below: f64,
    ) -> Result<Vec<RouteLine>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let rows = client
            .query_typed(
                "SELECT e.at, e.detail::text FROM calls c JOIN events e
                    ON e.session_created_at = c.started_at AND e.session_key = c.session_key
                 WHERE c.started_at >= $1 AND c.doubtful > 0 AND e.kind LIKE '%route%'",
                &[(&since, Type::TIMESTAMPTZ)],
            )
            .await?;
        let mut lines = Vec::new();
        for row in rows {
            let at: DateTime<Utc> = row.try_get(0)?;
            let detail: String = row.try_get(1)?;
            lines.extend(
                RouteLine::from_history(timestamp(at), &detail).filter(|l| l.doubtful(below)),
            );
        }
        Ok(lines)
    }

    /// The conversations `filter` asks for, newest first.
    pub(super) async fn calls(&self, filter: &CallsFilter) -> Result<Vec<CallRow>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        call_rows(&client, filter).await
    }

    /// The conversations that started within the millisecond from `at`.
    pub(super) async fn calls_started_at(
        &self,
        at: DateTime<Utc>,
    ) -> Result<Vec<CallRow>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let end = at + chrono::Duration::milliseconds(1);
        let rows = client
            .query_typed(
                &format!(
                    "SELECT {} FROM calls WHERE started_at >= $1 AND started_at < $2",
                    calls::COLUMNS
                ),
                &[(&at, Type::TIMESTAMPTZ), (&end, Type::TIMESTAMPTZ)],
            )
            .await?;
        rows.iter().map(call_row).collect()
    }

    /// A conversation's history, in order.
    pub(super) async fn call_history(
        &self,
        key: &str,
        started_at: DateTime<Utc>,
    ) -> Result<Vec<HistoryRow>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        history_rows(&client, key, started_at).await
    }

    /// The collect runs `filter` asks for.
    pub(super) async fn collected(
        &self,
        filter: &AnswersFilter,
    ) -> Result<Vec<CollectedRow>, StoreError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        collected_rows(&client, filter).await
    }

    /// One turn, committed before it returns (see the module's docs for the deadline).
    ///
    /// A connection found dead before `COMMIT` was sent (the database restarted, or a network
    /// device dropped an idle connection the pool still held) costs the caller nothing: the
    /// server rolled that transaction back, the engine step is pure, so the turn runs once
    /// more on a new connection. After `COMMIT` is sent, never: only the server knows whether
    /// it happened, and the retried delivery's stored reply is how the caller finds out.
    pub(super) async fn turn(
        &self,
        flows: &Versions,
        caller: &Caller,
        input: Input,
        now: DateTime<Utc>,
        deadline: Instant,
    ) -> Result<Stepped, StoreError> {
        self.purge_if_due(now, flows.current().sms.idle);
        let deadline = tokio::time::Instant::from_std(deadline);
        let mut attempts_left = 2;
        loop {
            attempts_left -= 1;
            let mut client = tokio::time::timeout_at(deadline, self.pool.get())
                .await
                .map_err(|_| StoreError::TimedOut)?
                .map_err(pool_error)?;
            let work = async {
                let tx = client.transaction().await?;
                let stepped = self
                    .run(&tx, flows, caller, input.clone(), now, deadline)
                    .await?;
                Ok::<_, StoreError>((tx, stepped))
            };
            // Dropping the transaction unfinished rolls it back.
            let failure = match tokio::time::timeout_at(deadline, work).await {
                Err(_) => StoreError::TimedOut,
                Ok(Ok((tx, stepped))) => {
                    let committing = Instant::now();
                    tx.commit().await?;
                    crate::metrics::commit("postgres", committing.elapsed(), 1);
                    return Ok(stepped);
                }
                Ok(Err(e)) => e,
            };
            if attempts_left == 0 || !client.is_closed() {
                return Err(failure);
            }
            tracing::warn!(database = %self.target, error = %failure, "lost a connection to PostgreSQL mid-turn; running the turn again on a new one");
        }
    }

    /// Everything of a turn before its commit.
    async fn run(
        &self,
        tx: &Transaction<'_>,
        flows: &Versions,
        caller: &Caller,
        input: Input,
        now: DateTime<Utc>,
        deadline: tokio::time::Instant,
    ) -> Result<Stepped, StoreError> {
        let st = Statements {
            tx,
            prepared: self.prepared,
        };
        // The server gives up waiting when the turn would: a turn abandoned here must not go
        // on holding (or queueing for) the session's lock on a connection back in the pool.
        let left = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .as_millis()
            .max(1)
            .to_string();
        // Texts' retries are found by their token; a call's, in its session (`turn::replay`).
        let token = turn::retry_token(caller, &input).filter(|_| !turn::by_session(caller));
        st.prepare(&[
            &SET_DEADLINES,
            &LOCK_SESSION,
            &LOAD_DELIVERY,
            &LOAD_SESSION,
            &SAVE_SESSION,
            &SAVE_COLLECTED,
            &SAVE_EVENTS,
            &SAVE_CALL,
            &SAVE_DELIVERY,
        ])
        .await?;
        // One batch, in this order: the deadlines, the lock, then the reads, which the server
        // runs only once the lock is held (see [`Statements`]).
        let delivery = async {
            match token {
                Some(token) => load_delivery(&st, token, &caller.key).await,
                None => Ok(None),
            }
        };
        let (_, _, delivery, session) = tokio::try_join!(
            biased;
            async { st.execute(&SET_DEADLINES, &[&left]).await },
            async { st.execute(&LOCK_SESSION, &[&caller.key]).await },
            delivery,
            load_session(&st, &caller.key),
        )?;
        if let Some(reply) = delivery {
            return Ok(Stepped {
                reply,
                routed: None,
                observed: turn::Observed::default(),
                version: None,
            });
        }
        if let Some(reply) = turn::replay(session.as_ref(), caller, &input) {
            return Ok(Stepped {
                reply,
                routed: None,
                observed: turn::Observed::default(),
                version: None,
            });
        }
        let nothing_to_keep = turn::keeps_nothing(session.is_some(), &input);
        let outcome = turn::step(flows, session, input, caller, now)?;
        // The second batch: every write of the step.
        let save = async {
            if !nothing_to_keep {
                save_outcome(&st, caller, &outcome, now, &self.key).await?;
            }
            Ok::<(), StoreError>(())
        };
        let delivery = async {
            if let Some(token) = turn::delivery_to_save(caller, &outcome) {
                save_delivery(&st, token, &caller.key, &outcome.reply, now).await?;
            }
            Ok(())
        };
        tokio::try_join!(biased; save, delivery)?;
        Ok(Stepped {
            observed: turn::observed(&outcome),
            version: outcome.session.version.clone(),
            reply: outcome.reply,
            routed: outcome.routed,
        })
    }
}

/// Every collect run in the database at `url` (`switchboard collected`), on a connection of its
/// own, without migrating: a reader never changes the schema.
pub(super) async fn read_collected(
    url: &str,
    filter: &AnswersFilter,
) -> Result<Vec<CollectedRow>, StoreError> {
    let client = reader(url).await?;
    collected_rows(&client, filter).await
}

/// The conversations `filter` asks for in the database at `url`.
pub(super) async fn read_calls(
    url: &str,
    filter: &CallsFilter,
) -> Result<Vec<CallRow>, StoreError> {
    let client = reader(url).await?;
    call_rows(&client, filter).await
}

/// A conversation's history in the database at `url`.
pub(super) async fn read_call_history(
    url: &str,
    key: &str,
    started_at: DateTime<Utc>,
) -> Result<Vec<HistoryRow>, StoreError> {
    let client = reader(url).await?;
    history_rows(&client, key, started_at).await
}

async fn call_rows(client: &Client, filter: &CallsFilter) -> Result<Vec<CallRow>, StoreError> {
    let (sql, params) = calls::list_query(
        filter,
        &calls::Dialect {
            placeholder: |n| format!("${n}"),
            find: "strpos",
        },
    );
    let values: Vec<(Box<dyn ToSql + Sync + Send>, Type)> = params
        .into_iter()
        .map(|p| -> (Box<dyn ToSql + Sync + Send>, Type) {
            match p {
                calls::Param::Time(t) => (Box::new(t), Type::TIMESTAMPTZ),
                calls::Param::Text(s) => (Box::new(s), Type::TEXT),
                calls::Param::Int(n) => (Box::new(n), Type::INT8),
            }
        })
        .collect();
    let typed: Vec<(&(dyn ToSql + Sync), Type)> = values
        .iter()
        .map(|(v, t)| (&**v as &(dyn ToSql + Sync), t.clone()))
        .collect();
    let rows = client.query_typed(&sql, &typed).await?;
    rows.iter().map(call_row).collect()
}

async fn history_rows(
    client: &Client,
    key: &str,
    started_at: DateTime<Utc>,
) -> Result<Vec<HistoryRow>, StoreError> {
    let rows = client
        .query_typed(
            "SELECT turn, at, detail::text FROM events
             WHERE session_created_at = $1 AND session_key = $2 ORDER BY id",
            &[(&started_at, Type::TIMESTAMPTZ), (&key, Type::TEXT)],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let detail: String = row.try_get(2)?;
            Ok(HistoryRow {
                turn: row.try_get(0)?,
                at: row.try_get(1)?,
                lines: serde_json::from_str(&detail)
                    .map_err(|e| StoreError::Postgres(format!("a history row is not JSON: {e}")))?,
            })
        })
        .collect()
}

/// A pool of at most `size` connections to `url`, its first connection, and where it leads
/// (for messages); failures say where and what to check.
async fn first_connection(
    url: &str,
    size: usize,
) -> Result<(Pool, deadpool_postgres::Object, String), StoreError> {
    let (pool, target) = pool(url, size).map_err(|reason| StoreError::Connect {
        target: redacted(url),
        reason,
    })?;
    match pool.get().await {
        Ok(client) => Ok((pool, client, target)),
        Err(e) => Err(StoreError::Connect {
            reason: unreachable_reason(&e),
            target,
        }),
    }
}

/// A connection of its own for a command (`collected`, `purge`), to a database this binary
/// can read; it never migrates: a reader never changes the schema.
async fn reader(url: &str) -> Result<deadpool_postgres::Object, StoreError> {
    let (_pool, client, target) = first_connection(url, 1).await?;
    let unusable = |reason: String| StoreError::Connect {
        target: target.clone(),
        reason,
    };
    let version = schema_version(&client)
        .await
        .map_err(|e| unusable(message(&e)))?;
    match version {
        None | Some(0) => Err(unusable(
            "it holds no Switchboard tables: pass --db with the database `switchboard serve` uses"
                .into(),
        )),
        Some(v) if v > MIGRATIONS.len() => Err(unusable(format!(
            "its schema version {v} is newer than this binary's {}; upgrade switchboard",
            MIGRATIONS.len()
        ))),
        Some(_) => Ok(client),
    }
}

async fn collected_rows(
    client: &Client,
    filter: &AnswersFilter,
) -> Result<Vec<CollectedRow>, StoreError> {
    let order = if filter.newest_first { "DESC" } else { "ASC" };
    let limit = filter.limit.map(i64::from);
    let offset = i64::from(filter.offset);
    let rows = client
        .query_typed(
            &format!(
                "SELECT id, session_key, channel, caller, task, collect, status, answers::text,
                    started_at, updated_at, finished_at
             FROM collected
             WHERE ($1::timestamptz IS NULL OR started_at >= $1)
               AND ($2::timestamptz IS NULL OR started_at < $2)
               AND ($3::text IS NULL OR collect = $3) AND ($4::text IS NULL OR status = $4)
             ORDER BY id {order} LIMIT $5 OFFSET $6"
            ),
            &[
                (&filter.from, Type::TIMESTAMPTZ),
                (&filter.until, Type::TIMESTAMPTZ),
                (&filter.collect, Type::TEXT),
                (&filter.status, Type::TEXT),
                (&limit, Type::INT8),
                (&offset, Type::INT8),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let answers: String = r.try_get(7)?;
            Ok(CollectedRow {
                id: r.try_get(0)?,
                session: r.try_get(1)?,
                channel: r.try_get(2)?,
                caller: r.try_get(3)?,
                task: r.try_get(4)?,
                collect: r.try_get(5)?,
                status: r.try_get(6)?,
                answers: serde_json::from_str(&answers)
                    .map_err(|e| StoreError::Postgres(format!("unreadable answers: {e}")))?,
                started_at: timestamp(r.try_get(8)?),
                updated_at: timestamp(r.try_get(9)?),
                finished_at: r.try_get::<_, Option<DateTime<Utc>>>(10)?.map(timestamp),
            })
        })
        .collect()
}

fn pool_error(error: deadpool_postgres::PoolError) -> StoreError {
    StoreError::Postgres(format!("no connection to the database: {error}"))
}

/// The server's own words for an error (tokio-postgres' `Display` alone says "db error").
fn message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(error) {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> StoreError {
        StoreError::Postgres(message(&error))
    }
}

/// The schema version, or None when the version table does not exist.
async fn schema_version(client: &Client) -> Result<Option<usize>, tokio_postgres::Error> {
    let exists: bool = client
        .query_typed_one("SELECT to_regclass('switchboard_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let version: Option<i32> = client
        .query_typed_opt("SELECT version FROM switchboard_schema", &[])
        .await?
        .map(|r| r.get(0));
    Ok(Some(version.map_or(0, |v| usize::try_from(v).unwrap_or(0))))
}

/// Brings the schema up to date in one transaction under an advisory lock: servers starting
/// together migrate once, and the others find it done.
async fn migrate(client: &mut Client) -> Result<(), String> {
    let tx = client.transaction().await.map_err(|e| message(&e))?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':switchboard-schema', 0));
         CREATE TABLE IF NOT EXISTS switchboard_schema (version integer NOT NULL);",
    )
    .await
    .map_err(|e| message(&e))?;
    let version: Option<i32> = tx
        .query_typed_opt("SELECT version FROM switchboard_schema", &[])
        .await
        .map_err(|e| message(&e))?
        .map(|r| r.get(0));
    let version = usize::try_from(version.unwrap_or(0)).unwrap_or(0);
    if version > MIGRATIONS.len() {
        return Err(format!(
            "the database has schema version {version}, newer than this binary's {}; upgrade switchboard",
            MIGRATIONS.len()
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.batch_execute(sql)
            .await
            .map_err(|e| format!("schema version {}: {}", i + 1, message(&e)))?;
    }
    if version < MIGRATIONS.len() {
        let current = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        tx.batch_execute("DELETE FROM switchboard_schema")
            .await
            .map_err(|e| message(&e))?;
        tx.execute_typed(
            "INSERT INTO switchboard_schema (version) VALUES ($1)",
            &[(&current, Type::INT4)],
        )
        .await
        .map_err(|e| message(&e))?;
    }
    tx.commit().await.map_err(|e| message(&e))
}

/// Reads the database's answer key, making one on first use; every server shares it.
async fn answer_key(client: &Client) -> Result<AnswerKey, tokio_postgres::Error> {
    client
        .execute_typed(
            "INSERT INTO settings (name, value) VALUES ('answer_key', $1) ON CONFLICT (name) DO NOTHING",
            &[(&AnswerKey::new_hex(), Type::TEXT)],
        )
        .await?;
    let hex: String = client
        .query_typed_one("SELECT value FROM settings WHERE name = 'answer_key'", &[])
        .await?
        .get(0);
    Ok(AnswerKey::from_hex(&hex))
}

/// A statement of a turn, with its parameters' types: prepared with them, or sent with them.
struct Sql {
    text: &'static str,
    types: &'static [Type],
}

/// The turn's deadline, for the lock wait and every statement (`true`: this transaction only).
const SET_DEADLINES: Sql = Sql {
    text: "SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $1, true)",
    types: &[Type::TEXT],
};

/// The session's lock, held to the end of the transaction. Keyed by schema too, so databases
/// shared between deployments (or tests) by schema never wait on each other's calls.
const LOCK_SESSION: Sql = Sql {
    text: "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || ':' || $1, 0))",
    types: &[Type::TEXT],
};

const LOAD_DELIVERY: Sql = Sql {
    text: "SELECT reply FROM deliveries WHERE token = $1 AND session_key = $2",
    types: &[Type::TEXT, Type::TEXT],
};

const LOAD_SESSION: Sql = Sql {
    text: "SELECT state FROM sessions WHERE key = $1",
    types: &[Type::TEXT],
};

const SAVE_SESSION: Sql = Sql {
    text: "INSERT INTO sessions (key, channel, state, ended, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, state = excluded.state,
            ended = excluded.ended, created_at = excluded.created_at,
            updated_at = excluded.updated_at",
    types: &[
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::BOOL,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
    ],
};

const SAVE_COLLECTED: Sql = Sql {
    text: "INSERT INTO collected (session_key, seq, channel, caller, task, collect, status,
                answers, started_at, updated_at, finished_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8::text AS jsonb), $9, $10, $11)
             ON CONFLICT (session_key, seq, started_at) DO UPDATE SET
                status = excluded.status, answers = excluded.answers,
                updated_at = excluded.updated_at, finished_at = excluded.finished_at",
    types: &[
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
    ],
};

const SAVE_EVENTS: Sql = Sql {
    text: "INSERT INTO events (session_key, session_created_at, turn, at, kind, detail)
             VALUES ($1, $2, $3, $4, $5, CAST($6::text AS jsonb))",
    types: &[
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::INT8,
        Type::TIMESTAMPTZ,
        Type::TEXT,
        Type::TEXT,
    ],
};

/// A conversation's line in the list of calls, rewritten whole by each turn.
const SAVE_CALL: Sql = Sql {
    text: "INSERT INTO calls (started_at, session_key, channel, caller, last_at, turns, tasks,
                collects, declines, webhook_failures, ended_by, routed, doubtful)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (started_at, session_key) DO UPDATE SET last_at = excluded.last_at,
                turns = excluded.turns, tasks = excluded.tasks, collects = excluded.collects,
                declines = excluded.declines, webhook_failures = excluded.webhook_failures,
                ended_by = excluded.ended_by, routed = excluded.routed,
                doubtful = excluded.doubtful",
    types: &[
        Type::TIMESTAMPTZ,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TIMESTAMPTZ,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
    ],
};

const SAVE_DELIVERY: Sql = Sql {
    text: "INSERT INTO deliveries (token, session_key, reply, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (token) DO UPDATE SET session_key = excluded.session_key,
            reply = excluded.reply, at = excluded.at",
    types: &[Type::TEXT, Type::TEXT, Type::TEXT, Type::TIMESTAMPTZ],
};

/// A turn's transaction, and how its statements go to the server.
///
/// A turn sends its statements in two batches without waiting between them (tokio-postgres
/// pipelines requests polled together): the deadlines, the lock and the reads; then, after the
/// engine step, every write. The server runs a connection's requests in the order they arrive,
/// so the reads still happen under the lock; what the batches save is the wait for each answer
/// before sending the next, about half a turn's round trips.
struct Statements<'t, 'c> {
    tx: &'t Transaction<'c>,
    /// Parsed once per connection and kept (one round trip per statement, and the server plans
    /// each once), or sent unnamed with their parameters' types (one round trip too, but parsed
    /// every time): for connection poolers that do not carry prepared statements from one
    /// transaction to the next.
    prepared: bool,
}

impl Statements<'_, '_> {
    /// Makes sure `sqls` are prepared on this connection (a round trip each on its first turn,
    /// none after), so the statements of a batch are each sent the moment they are first polled,
    /// in the order the batch polls them, none held back waiting for its preparation.
    async fn prepare(&self, sqls: &[&Sql]) -> Result<(), StoreError> {
        if self.prepared {
            for sql in sqls {
                self.tx.prepare_typed_cached(sql.text, sql.types).await?;
            }
        }
        Ok(())
    }

    async fn execute(&self, sql: &Sql, values: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        if self.prepared {
            let statement = self.tx.prepare_typed_cached(sql.text, sql.types).await?;
            Ok(self.tx.execute(&statement, values).await?)
        } else {
            Ok(self.tx.execute_typed(sql.text, &typed(sql, values)).await?)
        }
    }

    async fn query_opt(
        &self,
        sql: &Sql,
        values: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        if self.prepared {
            let statement = self.tx.prepare_typed_cached(sql.text, sql.types).await?;
            Ok(self.tx.query_opt(&statement, values).await?)
        } else {
            Ok(self
                .tx
                .query_typed_opt(sql.text, &typed(sql, values))
                .await?)
        }
    }
}

/// Each value with its type, as an unprepared statement sends them.
fn typed<'v>(sql: &Sql, values: &[&'v (dyn ToSql + Sync)]) -> Vec<(&'v (dyn ToSql + Sync), Type)> {
    values
        .iter()
        .copied()
        .zip(sql.types.iter().cloned())
        .collect()
}

async fn load_delivery(
    st: &Statements<'_, '_>,
    token: &str,
    key: &str,
) -> Result<Option<Reply>, StoreError> {
    let reply: Option<String> = st
        .query_opt(&LOAD_DELIVERY, &[&token, &key])
        .await?
        .map(|r| r.get(0));
    Ok(reply.and_then(|json| serde_json::from_str(&json).ok()))
}

async fn save_delivery(
    st: &Statements<'_, '_>,
    token: &str,
    key: &str,
    reply: &Reply,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(reply)
        .map_err(|e| StoreError::Postgres(format!("unwritable reply: {e}")))?;
    st.execute(&SAVE_DELIVERY, &[&token, &key, &json, &now])
        .await?;
    Ok(())
}

/// A session's saved state; None if there is none, or if it cannot be read (written by an
/// incompatible version): the call starts over rather than fail every turn.
async fn load_session(st: &Statements<'_, '_>, key: &str) -> Result<Option<Session>, StoreError> {
    let state: Option<String> = st
        .query_opt(&LOAD_SESSION, &[&key])
        .await?
        .map(|r| r.get(0));
    Ok(state.and_then(|json| match serde_json::from_str(&json) {
        Ok(session) => Some(session),
        Err(e) => {
            tracing::error!(session = %super::loggable_key(key), error = %e, "unreadable session state; starting over");
            None
        }
    }))
}

/// A `calls` row, its columns in [`calls::COLUMNS`]'s order.
fn call_row(row: &Row) -> Result<CallRow, StoreError> {
    Ok(CallRow::from_columns(
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
        row.try_get(7)?,
        row.try_get(8)?,
        row.try_get(9)?,
        row.try_get(10)?,
    ))
}

/// The rows of a step: its session, collect runs and history, sent together.
async fn save_outcome(
    st: &Statements<'_, '_>,
    caller: &Caller,
    outcome: &Outcome,
    now: DateTime<Utc>,
    key: &AnswerKey,
) -> Result<(), StoreError> {
    let session = &outcome.session;
    let Written {
        state,
        collected,
        history,
        call,
    } = turn::written(outcome, key)
        .map_err(|e| StoreError::Postgres(format!("unwritable state: {e}")))?;
    let channel = session.channel.as_str();
    let caller_number = session.caller();
    let turn = i64::from(session.turns);
    let save_session = async {
        st.execute(
            &SAVE_SESSION,
            &[
                &caller.key,
                &channel,
                &state,
                &session.ended,
                &session.started_at,
                &now,
            ],
        )
        .await
    };
    let save_collected = async {
        for run in &collected {
            st.execute(
                &SAVE_COLLECTED,
                &[
                    &caller.key,
                    &run.seq,
                    &channel,
                    &caller_number,
                    &run.task,
                    &run.collect,
                    &run.status,
                    &run.answers,
                    &run.started_at,
                    &now,
                    &run.finished_at,
                ],
            )
            .await?;
        }
        Ok(())
    };
    let save_history = async {
        if let Some((kinds, detail)) = &history {
            st.execute(
                &SAVE_EVENTS,
                &[&caller.key, &session.started_at, &turn, &now, kinds, detail],
            )
            .await?;
        }
        Ok::<(), StoreError>(())
    };
    let save_call = async {
        st.execute(
            &SAVE_CALL,
            &[
                &session.started_at,
                &caller.key,
                &channel,
                &caller_number,
                &now,
                &turn,
                &call.tasks,
                &call.collects,
                &call.declines,
                &call.webhook_failures,
                &call.ended_by,
                &call.routed,
                &call.doubtful,
            ],
        )
        .await
    };
    tokio::try_join!(biased; save_session, save_collected, save_history, save_call)?;
    Ok(())
}

/// Rows one purge statement deletes, in its own short transaction: turns on other rows never
/// wait for it, and a big backlog is cleared in steps.
const PURGE_CHUNK: i64 = 500;

/// One purge: its cutoffs, fixed when it starts.
struct Purge {
    cutoffs: Cutoffs,
}

/// Stale sessions, found by when they started (which later turns never change) and skipped if
/// a turn holds them; their half-done collects are marked incomplete in the same transaction.
const SWEEP_STALE_SESSIONS: &str = "DELETE FROM sessions WHERE key IN (
    SELECT key FROM sessions
    WHERE (channel = 'voice' AND created_at < $1 AND updated_at < $1)
       OR (channel = 'sms' AND created_at < $2 AND updated_at < $2)
    LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING key";
const MARK_INCOMPLETE: &str =
    "UPDATE collected SET status = 'incomplete', finished_at = $2, updated_at = $2
    WHERE session_key = ANY($1) AND status = 'in_progress'";
const SWEEP_DELIVERIES: &str = "DELETE FROM deliveries WHERE token IN (
    SELECT token FROM deliveries WHERE at < $1 LIMIT $2)";
const SWEEP_COLLECTED: &str = "DELETE FROM collected WHERE id IN (
    SELECT id FROM collected WHERE started_at < $1 AND updated_at < $1 AND status != 'in_progress' LIMIT $2)";
const SWEEP_EVENTS: &str = "DELETE FROM events WHERE id IN (
    SELECT id FROM events WHERE session_created_at < $1 AND at < $1 LIMIT $2)";
const SWEEP_CALLS: &str = "DELETE FROM calls WHERE (started_at, session_key) IN (
    SELECT started_at, session_key FROM calls WHERE started_at < $1 AND last_at < $1 LIMIT $2)";
const SWEEP_ENDED_SESSIONS: &str = "DELETE FROM sessions WHERE key IN (
    SELECT key FROM sessions WHERE ended AND created_at < $1 AND updated_at < $1
    LIMIT $2 FOR UPDATE SKIP LOCKED)";

impl Purge {
    /// A server's periodic purge: what no webhook can need any more, and what the retention
    /// limit says, if there is one.
    fn new(
        now: DateTime<Utc>,
        sms_idle: chrono::Duration,
        retention: Option<chrono::Duration>,
    ) -> Purge {
        Purge {
            cutoffs: Cutoffs::new(now, sms_idle, retention),
        }
    }

    /// Runs every sweep to its end; returns what was forgotten (replies and stale sessions,
    /// with collects marked incomplete) and what the retention limit deleted.
    async fn run(&self, pool: &Pool) -> Result<(u64, Purged), StoreError> {
        let mut client = pool.get().await.map_err(pool_error)?;
        let mut forgotten = chunks(&client, SWEEP_DELIVERIES, &self.cutoffs.deliveries).await?;
        loop {
            let tx = client.transaction().await?;
            let keys: Vec<String> = tx
                .query_typed(
                    SWEEP_STALE_SESSIONS,
                    &[
                        (&self.cutoffs.calls, Type::TIMESTAMPTZ),
                        (&self.cutoffs.texts, Type::TIMESTAMPTZ),
                        (&PURGE_CHUNK, Type::INT8),
                    ],
                )
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            forgotten += tx
                .execute_typed(
                    MARK_INCOMPLETE,
                    &[
                        (&keys, Type::TEXT_ARRAY),
                        (&self.cutoffs.now, Type::TIMESTAMPTZ),
                    ],
                )
                .await?;
            tx.commit().await?;
            forgotten += keys.len() as u64;
            if (keys.len() as i64) < PURGE_CHUNK {
                break;
            }
        }
        let mut purged = Purged {
            collected: 0,
            events: 0,
            calls: 0,
            sessions: 0,
        };
        if let Some(cutoff) = &self.cutoffs.retention {
            purged = retention(&client, cutoff).await?;
        }
        Ok((forgotten, purged))
    }
}

/// Runs a `DELETE … LIMIT $2` sweep, each chunk its own statement, until it deletes less than a
/// chunk; returns the rows deleted.
async fn chunks(client: &Client, sql: &str, cutoff: &DateTime<Utc>) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let rows = client
            .execute_typed(
                sql,
                &[(cutoff, Type::TIMESTAMPTZ), (&PURGE_CHUNK, Type::INT8)],
            )
            .await?;
        total += rows;
        if rows < PURGE_CHUNK.unsigned_abs() {
            return Ok(total);
        }
    }
}

/// Deletes answers, history and finished sessions older than `cutoff`.
async fn retention(client: &Client, cutoff: &DateTime<Utc>) -> Result<Purged, StoreError> {
    let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Ok(Purged {
        collected: count(chunks(client, SWEEP_COLLECTED, cutoff).await?),
        events: count(chunks(client, SWEEP_EVENTS, cutoff).await?),
        calls: count(chunks(client, SWEEP_CALLS, cutoff).await?),
        sessions: count(chunks(client, SWEEP_ENDED_SESSIONS, cutoff).await?),
    })
}

/// `switchboard purge` on the database at `url`: answers, history and finished sessions older
/// than `cutoff`, beside running servers.
pub(super) async fn purge_older_than(
    url: &str,
    cutoff: DateTime<Utc>,
) -> Result<Purged, StoreError> {
    let client = reader(url).await?;
    retention(&client, &cutoff).await
}
