//! The store: session state, collected answers and call history, one transaction per turn, in
//! one of two databases behind one handle.
//!
//! - **SQLite** ([`sqlite`]), the embedded default: one server owns one file, through a single
//!   writer thread that batches turns and keeps calls in progress in memory.
//! - **PostgreSQL** ([`postgres`]), for several servers on one database: no per-process truth;
//!   each turn reads its session inside a transaction that first takes a lock on the session's
//!   key, so a call's turns are serialised across servers.
//!
//! Both give the same guarantees — a turn's state, answers, history and delivery reply
//! committed together before its reply; a retried delivery answered with the stored reply;
//! sensitive answers hashed with a key kept in the database — because what a turn *means* is
//! written once, in [`turn`], and each backend only stores it.

mod calls;
pub mod export;
pub mod lock;
mod postgres;
mod read;
mod schema;
mod sqlite;
mod turn;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::engine::{Caller, Input, Reply};
use crate::versions::Versions;
pub use calls::{CallRow, CallsFilter, HistoryRow};
pub use postgres::POOL_SIZE;
pub use read::{Activity, AnswersFilter, CollectedRow, RouteLine, read_collected};
pub use sqlite::{CACHE_BYTES, purge_older_than};
pub use turn::{Observed, RouteSeen};

/// How often the writer forgets old delivery replies (between batches, never during one).
pub const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Most turns committed in one transaction, by default; bounds the latency a turn can wait
/// behind others.
pub const MAX_BATCH: u16 = 64;

/// Twilio retries a delivery within seconds; a day of replies is far more than enough.
const DELIVERY_RETENTION: chrono::Duration = chrono::Duration::days(1);

/// A call's session is kept this long after its last webhook: Twilio calls last at most hours.
const CALL_RETENTION: chrono::Duration = chrono::Duration::days(1);

/// When rows become purgeable, fixed as a purge starts: one rule for both backends.
#[derive(Debug, Clone, Copy)]
struct Cutoffs {
    now: DateTime<Utc>,
    /// Replies to deliveries from before this can no longer be asked for again.
    deliveries: DateTime<Utc>,
    /// A call whose last webhook came before this is over.
    calls: DateTime<Utc>,
    /// A text conversation idle since before this is over (its idle time and an hour).
    texts: DateTime<Utc>,
    /// With a retention limit: answers, history and ended sessions from before this go.
    retention: Option<DateTime<Utc>>,
}

impl Cutoffs {
    fn new(
        now: DateTime<Utc>,
        sms_idle: chrono::Duration,
        retention: Option<chrono::Duration>,
    ) -> Cutoffs {
        Cutoffs {
            now,
            deliveries: now - DELIVERY_RETENTION,
            calls: now - CALL_RETENTION,
            texts: now - sms_idle - chrono::Duration::hours(1),
            retention: retention.map(|r| now - r),
        }
    }
}

/// Runs `work` on the SQLite file at `path` on the blocking pool: SQLite's calls block, and a
/// request's task must not.
async fn off_thread<T: Send + 'static>(
    path: &Path,
    work: impl FnOnce(&Path) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || work(&path))
        .await
        .map_err(|e| StoreError::Batch(format!("the database task failed: {e}")))?
}

/// Where the store lives, as `--db` gives it: a `postgres://` (or `postgresql://`) URL, or
/// else the path of a SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Db {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Db {
    /// As it was given, for another process's `--db` (with its password, if the URL has one:
    /// never for a log).
    pub fn as_arg(&self) -> std::ffi::OsString {
        match self {
            Db::Sqlite(path) => path.clone().into_os_string(),
            Db::Postgres(url) => url.into(),
        }
    }

    /// The SQLite file, if that is what this is.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Db::Sqlite(path) => Some(path),
            Db::Postgres(_) => None,
        }
    }
}

impl std::str::FromStr for Db {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Db, Self::Err> {
        Ok(
            if s.starts_with("postgres://") || s.starts_with("postgresql://") {
                Db::Postgres(s.to_owned())
            } else {
                Db::Sqlite(PathBuf::from(s))
            },
        )
    }
}

/// For messages and logs: the file, or the URL without its password.
impl std::fmt::Display for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Db::Sqlite(path) => write!(f, "{}", path.display()),
            Db::Postgres(url) => f.write_str(&postgres::redacted(url)),
        }
    }
}

/// How the store runs.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// Delete answers and call history older than this, as the writer goes (the same as
    /// `switchboard purge`).
    pub retention: Option<chrono::Duration>,
    /// Most turns committed in one transaction (1 = a transaction and an fsync per turn).
    /// SQLite only: PostgreSQL commits each turn on its own connection.
    pub max_batch: usize,
    /// How often the writer purges (old delivery replies, calls long over, and what the
    /// retention limit says), from the first turn after it starts; [`PURGE_EVERY`] by default.
    pub purge_every: std::time::Duration,
    /// Most bytes of calls' state the writer keeps in memory ([`CACHE_BYTES`] by default).
    /// SQLite only.
    pub cache_bytes: usize,
    /// Most connections to PostgreSQL this server opens.
    pub pool_size: usize,
    /// PostgreSQL: a turn's statements are prepared once per connection (true, the default)
    /// or sent unprepared, for poolers that do not keep prepared statements across
    /// transactions (PgBouncer before 1.21 in transaction mode).
    pub prepared_statements: bool,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            retention: None,
            max_batch: usize::from(MAX_BATCH),
            purge_every: PURGE_EVERY,
            cache_bytes: CACHE_BYTES,
            pool_size: usize::from(POOL_SIZE),
            prepared_statements: true,
        }
    }
}

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (the message carries the server's own words).
    #[error("database error: {0}")]
    Postgres(String),
    /// The database file could not be opened or prepared.
    #[error("cannot open database {path}: {source}{}", sqlite::open_hint(.source))]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The PostgreSQL server could not be reached or prepared at start.
    #[error("cannot use PostgreSQL at {target}: {reason}")]
    Connect {
        /// Host, port and database (never the password).
        target: String,
        /// Why, and what to do about it.
        reason: String,
    },
    /// The writer thread has stopped (the server is shutting down, or it failed).
    #[error("the database writer has stopped")]
    WriterGone,
    /// The engine panicked on this turn; the turn was not saved.
    #[error("the engine failed on this turn")]
    EnginePanic,
    /// The batch this turn was in failed to commit.
    #[error("database error: {0}")]
    Batch(String),
    /// The turn's deadline passed before the database could take it (another program holds a
    /// lock, the writer is far behind, or every connection is busy); the turn was not saved and
    /// never will be.
    #[error("the database did not take the turn before its deadline")]
    TimedOut,
    /// The database file was deleted or replaced while the server ran: a turn committed now
    /// would be lost at the next restart, so none is.
    #[error("{FILE_GONE}")]
    FileGone,
}

/// Why the SQLite store refuses every turn once its file has gone.
const FILE_GONE: &str = "the database file was deleted or replaced while the server was running; turns are refused until it is restarted";

/// One committed engine step: its reply, and whether the input was routed to a task.
#[derive(Debug, Clone, PartialEq)]
pub struct Stepped {
    /// The reply (it may ask for a web service call: [`crate::engine::Next::Webhook`]).
    pub reply: Reply,
    /// Some when the input was routed this step; None inside when the matcher declined.
    pub routed: Option<Option<String>>,
    /// What the step showed, for metrics (nothing for a retry answered from the store).
    pub observed: Observed,
    /// The flows version the step ran on (None for a reply answered from the store): a web
    /// service the step calls has its actions read against the same version, whose task ids
    /// they name, not the current one.
    pub version: Option<String>,
}

/// What [`purge_older_than`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Collected rows (callers' answers) deleted.
    pub collected: usize,
    /// Call-history lines deleted.
    pub events: usize,
    /// Calls (their lines in the console's list) deleted.
    pub calls: usize,
    /// Finished sessions deleted.
    pub sessions: usize,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Clone)]
enum Backend {
    Sqlite(sqlite::Store),
    Postgres(Arc<postgres::Store>),
}

impl Store {
    /// Opens (or creates) a SQLite database, brings its schema up to date and starts the writer.
    ///
    /// # Errors
    /// The file cannot be opened, is not a database, or has a newer schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, StoreOptions::default())
    }

    /// As [`Store::open`], with retention and batching set.
    ///
    /// # Errors
    /// As [`Store::open`].
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Backend::Sqlite(sqlite::Store::open_with(path, options)?),
        })
    }

    /// Opens the store `db` names: a SQLite file as [`Store::open_with`] does, or a PostgreSQL
    /// database, connected to, its schema brought up to date (once, under a lock, when several
    /// servers start together) and checked.
    ///
    /// # Errors
    /// The database cannot be reached, opened or migrated; the message names it and the fix.
    pub async fn connect(db: &Db, options: StoreOptions) -> Result<Store, StoreError> {
        let backend = match db {
            Db::Sqlite(path) => Backend::Sqlite(sqlite::Store::open_with(path, options)?),
            Db::Postgres(url) => {
                Backend::Postgres(Arc::new(postgres::Store::connect(url, options).await?))
            }
        };
        Ok(Store { backend })
    }

    /// Bytes of calls' state the SQLite writer keeps in memory, as of its last batch: at most
    /// [`StoreOptions::cache_bytes`]. PostgreSQL keeps none.
    pub fn cached_bytes(&self) -> usize {
        match &self.backend {
            Backend::Sqlite(store) => store.cached_bytes(),
            Backend::Postgres(_) => 0,
        }
    }

    /// Whether turns can be saved: an error says why not (for `GET /health`).
    ///
    /// # Errors
    /// The SQLite file was deleted or replaced while the server ran, or PostgreSQL does not
    /// answer.
    pub async fn health(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => store.health(),
            Backend::Postgres(store) => store.health().await,
        }
    }

    /// Conversations not ended whose last turn came within the last hour (`GET /metrics`).
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn sessions_in_progress(&self) -> Result<u64, StoreError> {
        let since = Utc::now() - chrono::Duration::hours(1);
        match &self.backend {
            Backend::Sqlite(store) => {
                off_thread(store.path(), move |path| {
                    read::sessions_in_progress(path, since)
                })
                .await
            }
            Backend::Postgres(store) => store.sessions_in_progress(since).await,
        }
    }

    /// The utterances the matcher declined, or matched with a confidence below `below`, in
    /// calls started since `since`: the console's review of what callers said that the bot
    /// did not (or only just) understand. Only the history of calls that had a doubtful
    /// utterance is read (`calls.doubtful`, by its index): most calls had none.
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn route_lines(
        &self,
        since: DateTime<Utc>,
        below: f64,
    ) -> Result<Vec<RouteLine>, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => {
                off_thread(store.path(), move |path| {
                    read::route_lines(path, since, below)
                })
                .await
            }
            Backend::Postgres(store) => store.route_lines(since, below).await,
        }
    }

    /// Conversations per day, collects by status and failed web service calls since `since`,
    /// for the console's overview.
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn activity(&self, since: DateTime<Utc>) -> Result<Activity, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => {
                off_thread(store.path(), move |path| read::activity(path, since)).await
            }
            Backend::Postgres(store) => store.activity(since).await,
        }
    }

    /// The conversations `filter` asks for, newest first (the console's list of calls).
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn calls_where(&self, filter: CallsFilter) -> Result<Vec<CallRow>, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => {
                off_thread(store.path(), move |path| calls::list(path, &filter)).await
            }
            Backend::Postgres(store) => store.calls(&filter).await,
        }
    }

    /// The conversations that started within the millisecond from `at`.
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn calls_started_at(&self, at: DateTime<Utc>) -> Result<Vec<CallRow>, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => {
                off_thread(store.path(), move |path| calls::started_at(path, at)).await
            }
            Backend::Postgres(store) => store.calls_started_at(at).await,
        }
    }

    /// A conversation's history, in order.
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn call_history(&self, call: &CallRow) -> Result<Vec<HistoryRow>, StoreError> {
        let (key, started_at) = (call.key.clone(), call.started_at);
        match &self.backend {
            Backend::Sqlite(store) => {
                off_thread(store.path(), move |path| {
                    calls::history(path, &key, started_at)
                })
                .await
            }
            Backend::Postgres(store) => store.call_history(&key, started_at).await,
        }
    }

    /// Which database this is, for logs: the file, or PostgreSQL's host and database.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Sqlite(store) => store.path().display().to_string(),
            Backend::Postgres(store) => store.target().to_owned(),
        }
    }

    /// Every collect run saved, oldest first (`GET /admin/collected`).
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn collected(&self) -> Result<Vec<CollectedRow>, StoreError> {
        self.collected_where(AnswersFilter::default()).await
    }

    /// The collect runs `filter` asks for (the console's Answers page and its downloads).
    ///
    /// # Errors
    /// The database cannot be read.
    pub async fn collected_where(
        &self,
        filter: AnswersFilter,
    ) -> Result<Vec<CollectedRow>, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => {
                off_thread(store.path(), move |path| {
                    read::read_collected_where(path, &filter)
                })
                .await
            }
            Backend::Postgres(store) => store.collected(&filter).await,
        }
    }

    /// Runs one turn: the engine step and its writes, committed before this returns.
    ///
    /// `deadline` bounds the wait: a turn the database has not taken by then fails with
    /// [`StoreError::TimedOut`] and is never committed, so the caller hears the apology in time
    /// rather than a reply Twilio has stopped waiting for.
    ///
    /// # Errors
    /// The turn could not be saved; nothing of it was written.
    pub async fn turn(
        &self,
        flows: Arc<Versions>,
        caller: Caller,
        input: Input,
        now: DateTime<Utc>,
        deadline: Instant,
    ) -> Result<Stepped, StoreError> {
        match &self.backend {
            Backend::Sqlite(store) => store.turn(flows, caller, input, now, deadline).await,
            Backend::Postgres(store) => store.turn(&flows, &caller, input, now, deadline).await,
        }
    }
}

/// Every collect run in the database `db` names, oldest first (`switchboard collected`).
///
/// # Errors
/// The database is missing, unreachable or not a Switchboard database.
pub async fn collected_in(db: &Db) -> Result<Vec<CollectedRow>, StoreError> {
    collected_in_where(db, AnswersFilter::default()).await
}

/// The collect runs `filter` asks for, in the database `db` names.
///
/// # Errors
/// The database is missing, unreachable or not a Switchboard database.
pub async fn collected_in_where(
    db: &Db,
    filter: AnswersFilter,
) -> Result<Vec<CollectedRow>, StoreError> {
    match db {
        Db::Sqlite(path) => {
            off_thread(path, move |path| read::read_collected_where(path, &filter)).await
        }
        Db::Postgres(url) => postgres::read_collected(url, &filter).await,
    }
}

/// The conversations `filter` asks for in the database `db` names, newest first, without a
/// server's store (the database may be one a server is writing).
///
/// # Errors
/// The database cannot be read.
pub async fn calls_in_where(db: &Db, filter: CallsFilter) -> Result<Vec<CallRow>, StoreError> {
    match db {
        Db::Sqlite(path) => off_thread(path, move |path| calls::list(path, &filter)).await,
        Db::Postgres(url) => postgres::read_calls(url, &filter).await,
    }
}

/// A conversation's history in the database `db` names, in order.
///
/// # Errors
/// The database cannot be read.
pub async fn call_history_in(db: &Db, call: &CallRow) -> Result<Vec<HistoryRow>, StoreError> {
    let (key, started_at) = (call.key.clone(), call.started_at);
    match db {
        Db::Sqlite(path) => {
            off_thread(path, move |path| calls::history(path, &key, started_at)).await
        }
        Db::Postgres(url) => postgres::read_call_history(url, &key, started_at).await,
    }
}

/// Deletes answers, call history and finished sessions older than `cutoff` in the database `db`
/// names (`switchboard purge`), beside running servers.
///
/// # Errors
/// The database is missing, unreachable or cannot be written.
pub async fn purge_in(db: &Db, cutoff: DateTime<Utc>) -> Result<Purged, StoreError> {
    match db {
        Db::Sqlite(path) => off_thread(path, move |path| purge_older_than(path, cutoff)).await,
        Db::Postgres(url) => postgres::purge_older_than(url, cutoff).await,
    }
}

/// A session key fit for a log line. CallSids are opaque and stay as they are; a text
/// conversation's key holds two phone numbers, which are personal data, so it is replaced by a
/// short stable digest that still lets an operator tell conversations apart.
pub fn loggable_key(key: &str) -> String {
    if !key.starts_with("sms:") {
        return key.to_owned();
    }
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(key.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sms-{hex}")
}
