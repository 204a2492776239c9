//! SQLite: session state, collected answers and call history, one transaction per turn.
//!
//! All writes go through one writer thread that owns the connection. A turn is a job sent to
//! it: load the session, run [`engine::step`], write the new state and the turn's effects, and
//! commit — before the reply is released to the HTTP layer. Why a thread of our own rather than
//! a pool: SQLite allows one writer at a time anyway, so a single owner never sees `SQLITE_BUSY`,
//! serialises two webhooks for the same call without any locking of ours (no lost update), and
//! can commit several waiting turns in one transaction (group commit) when load is high. Reads
//! for the command line open their own connections; WAL lets them run beside the writer.
//!
//! Durability: WAL with `synchronous=FULL`, so a turn acknowledged to Twilio survives a crash of
//! the process or of the machine. A retried webhook delivery gets the reply the first one got:
//! a call keeps its last delivery in its session (its webhooks come one at a time), a text
//! conversation keeps each in `deliveries` (its messages do not).
//!
//! Two things beside the writer keep turns fast without weakening that: a second connection
//! copies the WAL back into the database file on a thread of its own (so no caller's commit
//! waits for a checkpoint), and the writer keeps the calls in progress in memory as last
//! committed (so a turn does not parse its state back from JSON) — the database stays the
//! truth, and anything uncertain falls back to it.

pub mod lock;
mod read;
mod schema;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;

use crate::engine::{
    self, AnswerRecord, Caller, Channel, Delivery, Effect, Input, Next, Outcome, Reply, Session,
};
use crate::flow::Assistant;
pub use read::{CollectedRow, read_collected};

/// How often the writer forgets old delivery replies (between batches, never during one).
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Most turns committed in one transaction, by default; bounds the latency a turn can wait
/// behind others.
pub const MAX_BATCH: u16 = 64;

/// How the store runs.
#[derive(Debug, Clone, Copy)]
pub struct StoreOptions {
    /// Delete answers and call history older than this, as the writer goes (the same as
    /// `switchboard purge`).
    pub retention: Option<chrono::Duration>,
    /// Most turns committed in one transaction (1 = a transaction and an fsync per turn).
    pub max_batch: usize,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            retention: None,
            max_batch: usize::from(MAX_BATCH),
        }
    }
}

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file could not be opened or prepared.
    #[error("cannot open database {path}: {source}{}", open_hint(.source))]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
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
}

/// One committed engine step: its reply, and whether the input was routed to a task.
#[derive(Debug, Clone, PartialEq)]
pub struct Stepped {
    /// The reply (it may ask for a web service call: [`crate::engine::Next::Webhook`]).
    pub reply: Reply,
    /// Some when the input was routed this step; None inside when the matcher declined.
    pub routed: Option<Option<String>>,
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
    path: Arc<PathBuf>,
}

/// One turn waiting for the writer.
struct Job {
    assistant: Arc<Assistant>,
    caller: Caller,
    input: Input,
    now: DateTime<Utc>,
    reply: oneshot::Sender<Result<Stepped, StoreError>>,
}

impl Store {
    /// Opens (or creates) the database, brings its schema up to date and starts the writer.
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
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        schema::migrate(&mut conn).map_err(open_err)?;
        let key = answer_key(&conn).map_err(open_err)?;
        probe_write(&conn).map_err(open_err)?;
        // Checkpoints run on a thread of their own (see `checkpointer`), not inside a commit.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(open_err)?;
        // A WAL that grew in a burst is cut back to this size when it restarts.
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)
            .map_err(open_err)?;
        let checkpoints = Connection::open(path).map_err(open_err)?;
        configure(&checkpoints).map_err(open_err)?;
        let (jobs, receiver) = mpsc::channel();
        let (alive, writer_gone) = mpsc::channel::<()>();
        let wal_frames = Arc::new(AtomicU64::new(0));
        let frames = Arc::clone(&wal_frames);
        let thread_err =
            |e: std::io::Error| StoreError::Batch(format!("cannot start a database thread: {e}"));
        std::thread::Builder::new()
            .name("switchboard-db".into())
            .spawn(move || {
                writer(conn, &receiver, options, &key, &frames);
                drop(alive);
            })
            .map_err(thread_err)?;
        std::thread::Builder::new()
            .name("switchboard-wal".into())
            .spawn(move || checkpointer(&checkpoints, &writer_gone, &wal_frames))
            .map_err(thread_err)?;
        Ok(Store {
            jobs,
            path: Arc::new(path.to_path_buf()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs one turn: the engine step and its writes, committed before this returns.
    ///
    /// # Errors
    /// The turn could not be saved; nothing of it was written.
    pub async fn turn(
        &self,
        assistant: Arc<Assistant>,
        caller: Caller,
        input: Input,
        now: DateTime<Utc>,
    ) -> Result<Stepped, StoreError> {
        let (reply, receive) = oneshot::channel();
        self.jobs
            .send(Job {
                assistant,
                caller,
                input,
                now,
                reply,
            })
            .map_err(|_| StoreError::WriterGone)?;
        receive.await.map_err(|_| StoreError::WriterGone)?
    }
}

/// Proves at start that turns can be committed. SQLite quietly opens a file it may not write
/// (read-only file, folder or mount) read-only, and an up-to-date schema needs no write, so
/// without this the first caller would find out — as an apology — instead of the operator.
fn probe_write(conn: &Connection) -> rusqlite::Result<()> {
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            Some("the file, its folder or its disk is read-only for this user".into()),
        ));
    }
    // A real write through the WAL (the same value back into the header), so a folder where the
    // `-wal` file cannot be made or a disk with no room fails here too.
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE; PRAGMA user_version = {version}; COMMIT;"
    ))
}

/// What to do about an error opening the database, for the message the operator reads.
fn open_hint(error: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode::{
        CannotOpen, DatabaseBusy, DatabaseCorrupt, DiskFull, NotADatabase, ReadOnly,
    };
    match error.sqlite_error_code() {
        Some(ReadOnly) => {
            "; make the file and its folder writable by the user running switchboard, or choose another --db"
        }
        Some(CannotOpen) => {
            "; check that the folder exists and that this user may create files in it (SQLite adds -wal and -shm files beside the database)"
        }
        Some(DiskFull) => "; free some disk space, or choose another --db",
        Some(NotADatabase | DatabaseCorrupt) => {
            "; restore it from a backup, or move it aside and start with a new --db"
        }
        Some(DatabaseBusy) => {
            "; another program holds a write lock on it: stop that program or choose another --db"
        }
        _ => "",
    }
}

/// Per-connection settings. WAL must be set outside a transaction (SQLite ignores it inside).
pub(crate) fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Copies committed pages from the WAL into the database file, beside the writer.
///
/// Why a thread: with SQLite's automatic checkpoints, the commit that takes the WAL past 1000
/// pages also copies them all back and syncs the file, so one caller's turn in a few hundred
/// waits milliseconds for work that is nobody's. A PASSIVE checkpoint on another connection
/// never blocks the writer, and ends with the writer's thread (its channel closes).
fn checkpointer(conn: &Connection, writer_gone: &mpsc::Receiver<()>, wal_frames: &AtomicU64) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = writer_gone.recv_timeout(CHECKPOINT_EVERY) {
        match checkpoint(conn) {
            Ok(frames) => wal_frames.store(frames, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; will try again"),
        }
    }
}

/// A PASSIVE checkpoint; returns how many frames the WAL holds.
fn checkpoint(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
        .map(|frames| u64::try_from(frames).unwrap_or(0))
}

/// WAL frames (pages) past which the writer checkpoints itself between batches. Under
/// sustained load the writer appends while the background checkpoint copies, so the WAL is
/// never wholly copied and SQLite never starts it again from the top; a checkpoint by the
/// writer, with nothing appended meanwhile, copies the rest, and its next commit restarts the
/// WAL. 4096 pages is 16 MiB.
const WAL_RESTART_FRAMES: u64 = 4096;

/// The writer thread: takes every turn waiting, runs them in one transaction, then answers each.
fn writer(
    mut conn: Connection,
    jobs: &mpsc::Receiver<Job>,
    options: StoreOptions,
    key: &AnswerKey,
    wal_frames: &AtomicU64,
) {
    let mut last_purge = std::time::Instant::now();
    let mut cache = Sessions::new();
    while let Ok(first) = jobs.recv() {
        if last_purge.elapsed() > PURGE_EVERY {
            last_purge = std::time::Instant::now();
            // Purges delete sessions behind the cache's back: start it afresh.
            cache.clear();
            if let Err(e) = purge(&conn, first.now, first.assistant.sms.idle) {
                tracing::warn!(error = %e, "could not purge old sessions and delivery replies");
            }
            if let Some(keep) = options.retention {
                match delete_older_than(&conn, first.now - keep) {
                    Ok(p) => tracing::info!(
                        collected = p.collected,
                        events = p.events,
                        sessions = p.sessions,
                        "retention: deleted old answers and history"
                    ),
                    Err(e) => tracing::warn!(error = %e, "could not apply the retention limit"),
                }
            }
        }
        let mut batch = vec![first];
        while batch.len() < options.max_batch.max(1) {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if wal_frames.load(Ordering::Relaxed) > WAL_RESTART_FRAMES {
            wal_frames.store(0, Ordering::Relaxed);
            if let Err(e) = checkpoint(&conn) {
                tracing::warn!(error = %e, "WAL checkpoint failed; will try again");
            }
        }
        match run_batch(&mut conn, &batch, key, &mut cache) {
            Ok(results) => {
                for (job, result) in batch.into_iter().zip(results) {
                    // The HTTP request may have gone away; its turn is saved regardless.
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, turns = batch.len(), "could not commit turns");
                for job in batch {
                    let _ = job.reply.send(Err(StoreError::Batch(e.to_string())));
                }
            }
        }
    }
}

/// Calls' state as last committed, kept by the writer so a turn need not parse it back from JSON
/// (a sixth of the writer's time under load). The database stays the truth: an entry is taken
/// out while its turn runs and put back only once the turn is committed, so a failed batch, an
/// engine panic or a purge leaves the next turn reading the database.
type Sessions = std::collections::HashMap<String, Session>;

/// Most sessions kept in memory: the calls in progress at a busy moment, a few megabytes.
const CACHED_SESSIONS: usize = 1024;

fn run_batch(
    conn: &mut Connection,
    batch: &[Job],
    key: &AnswerKey,
    cache: &mut Sessions,
) -> rusqlite::Result<Vec<Result<Stepped, StoreError>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut results = Vec::with_capacity(batch.len());
    // This batch's new states, for later turns of the same call in it and for the cache once
    // the batch commits.
    let mut staged = Sessions::new();
    for job in batch {
        let token = job.caller.delivery_token.as_deref();
        // A retried delivery (same idempotency token) gets the reply the first one got, and the
        // dialogue does not move on twice. Web service answers are not deliveries of Twilio's.
        let retry_of = token.filter(|_| !matches!(job.input, Input::Webhook(_)));
        // Texts are looked up in `deliveries`: messages from one person arrive independently,
        // so an older one may be retried after a newer one was answered. A call's webhooks come
        // one at a time, each after the last was answered, so only its last delivery can be
        // retried, and the call's session keeps it — no row, and no page written at a random
        // place in the token index, per turn.
        let by_session = job.caller.channel == Channel::Voice;
        if let Some(token) = retry_of.filter(|_| !by_session)
            && let Some(reply) = load_delivery(&tx, token, &job.caller.key)?
        {
            results.push(Ok(Stepped {
                reply,
                routed: None,
            }));
            continue;
        }
        let session = match staged
            .remove(&job.caller.key)
            .or_else(|| cache.remove(&job.caller.key))
        {
            Some(session) => Some(session),
            None => load_session(&tx, &job.caller.key)?,
        };
        let retried = session.as_ref().and_then(|s| {
            let delivery = s.delivery.as_ref()?;
            (by_session && retry_of == Some(delivery.token.as_str()))
                .then(|| delivery.reply.as_ref().or(s.last_reply.as_ref()).cloned())
                .flatten()
        });
        if let Some(reply) = retried {
            results.push(Ok(Stepped {
                reply,
                routed: None,
            }));
            // Unchanged, so nothing to write: back where a later turn of the call looks first.
            if let Some(session) = session.filter(|s| !s.ended) {
                staged.insert(job.caller.key.clone(), session);
            }
            continue;
        }
        // A status callback for a call never seen (or long purged) changes nothing: no row is
        // made for a session that never had a turn.
        let nothing_to_keep = session.is_none() && job.input == Input::Hangup;
        // The engine is pure and writes nothing until it returns, so a panic leaves the
        // transaction untouched: that turn fails, the others in the batch go on.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            engine::step(
                &job.assistant,
                session,
                job.input.clone(),
                &job.caller,
                job.now,
            )
        }));
        match outcome {
            Ok(mut outcome) => {
                // A reply without a token (not from Twilio) still replaces the last delivery:
                // a delivery's reply may be kept as `last_reply`, which has just moved on.
                if by_session && !matches!(outcome.reply.next, Next::Webhook(_)) {
                    let said_last = outcome.session.last_reply.as_ref() == Some(&outcome.reply);
                    outcome.session.delivery = token.map(|token| Delivery {
                        token: token.to_owned(),
                        reply: (!said_last).then(|| outcome.reply.clone()),
                    });
                }
                if !nothing_to_keep {
                    save_outcome(&tx, &job.caller, &outcome, job.now, key)?;
                }
                // Saved with the step that finishes the reply, in the same transaction: a crash
                // leaves either both or neither.
                if let Some(token) = token.filter(|_| !by_session)
                    && !matches!(outcome.reply.next, Next::Webhook(_))
                {
                    save_delivery(&tx, token, &job.caller.key, &outcome.reply, job.now)?;
                }
                if !nothing_to_keep && !outcome.session.ended {
                    staged.insert(job.caller.key.clone(), outcome.session);
                }
                results.push(Ok(Stepped {
                    reply: outcome.reply,
                    routed: outcome.routed,
                }));
            }
            Err(_) => {
                tracing::error!(session = %loggable_key(&job.caller.key), "engine panicked; turn not saved");
                results.push(Err(StoreError::EnginePanic));
            }
        }
    }
    tx.commit()?;
    if cache.len() + staged.len() > CACHED_SESSIONS {
        cache.clear();
    }
    cache.extend(staged);
    Ok(results)
}

fn load_delivery(conn: &Connection, token: &str, key: &str) -> rusqlite::Result<Option<Reply>> {
    let reply: Option<String> = conn
        .prepare_cached("SELECT reply FROM deliveries WHERE token = ?1 AND session_key = ?2")?
        .query_row([token, key], |r| r.get(0))
        .optional()?;
    Ok(reply.and_then(|json| serde_json::from_str(&json).ok()))
}

fn save_delivery(
    conn: &Connection,
    token: &str,
    key: &str,
    reply: &Reply,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let json = serde_json::to_string(reply)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO deliveries (token, session_key, reply, at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![token, key, json, timestamp(now)])?;
    Ok(())
}

/// Twilio retries a delivery within seconds; a day of replies is far more than enough.
const DELIVERY_RETENTION: chrono::Duration = chrono::Duration::days(1);

/// What [`purge_older_than`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Collected rows (callers' answers) deleted.
    pub collected: usize,
    /// Call-history lines deleted.
    pub events: usize,
    /// Finished sessions deleted.
    pub sessions: usize,
}

/// Deletes callers' answers and call history older than `cutoff`, and sessions that ended
/// before it — the retention limit an operator owes the people who called. Runs in one
/// transaction on its own connection, beside a running server.
///
/// # Errors
/// The database cannot be opened or written.
pub fn purge_older_than(path: &Path, cutoff: DateTime<Utc>) -> Result<Purged, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(open_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open_err)?;
    schema::migrate(&mut conn).map_err(open_err)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let purged = delete_older_than(&tx, cutoff)?;
    tx.commit()?;
    Ok(purged)
}

fn delete_older_than(conn: &Connection, cutoff: DateTime<Utc>) -> rusqlite::Result<Purged> {
    let cutoff = timestamp(cutoff);
    // A collect still in progress is kept whatever its age: its call may be going on.
    let collected = conn.execute(
        "DELETE FROM collected WHERE updated_at < ?1 AND status != 'in_progress'",
        [&cutoff],
    )?;
    let events = conn.execute("DELETE FROM events WHERE at < ?1", [&cutoff])?;
    let sessions = conn.execute(
        "DELETE FROM sessions WHERE updated_at < ?1 AND ended = 1",
        [&cutoff],
    )?;
    Ok(Purged {
        collected,
        events,
        sessions,
    })
}

/// A call's session is kept this long after its last webhook: Twilio calls last at most hours.
const CALL_RETENTION: chrono::Duration = chrono::Duration::days(1);

/// Forgets what no webhook can need any more, so senders cannot grow the database without
/// bound: replies to deliveries too old to be retried, calls long over, and text conversations
/// past their idle time. A collect such a session left half-done is marked incomplete first —
/// its answers stay.
pub(crate) fn purge(
    conn: &Connection,
    now: DateTime<Utc>,
    sms_idle: chrono::Duration,
) -> rusqlite::Result<usize> {
    let calls = timestamp(now - CALL_RETENTION);
    let texts = timestamp(now - sms_idle - chrono::Duration::hours(1));
    let stale = "SELECT key FROM sessions WHERE (channel = 'voice' AND updated_at < ?1) OR (channel = 'sms' AND updated_at < ?2)";
    let mut purged = conn.execute(
        "DELETE FROM deliveries WHERE at < ?1",
        [timestamp(now - DELIVERY_RETENTION)],
    )?;
    purged += conn.execute(
        &format!(
            "UPDATE collected SET status = 'incomplete', finished_at = ?3, updated_at = ?3
             WHERE status = 'in_progress' AND session_key IN ({stale})"
        ),
        params![calls, texts, timestamp(now)],
    )?;
    purged += conn.execute(
        "DELETE FROM sessions WHERE (channel = 'voice' AND updated_at < ?1) OR (channel = 'sms' AND updated_at < ?2)",
        params![calls, texts],
    )?;
    Ok(purged)
}

fn load_session(conn: &Connection, key: &str) -> rusqlite::Result<Option<Session>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM sessions WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(state.and_then(|json| match serde_json::from_str(&json) {
        Ok(session) => Some(session),
        Err(e) => {
            // Unreadable state (written by an incompatible version): start the call over rather
            // than fail every turn of it.
            tracing::error!(session = %loggable_key(key), error = %e, "unreadable session state; starting over");
            None
        }
    }))
}

/// The per-database key that hashes sensitive answers (HMAC-SHA256), made once, at random.
pub(crate) struct AnswerKey(Vec<u8>);

impl AnswerKey {
    /// `sha256:` and the keyed hash's hex digits.
    pub(crate) fn hash(&self, value: &str) -> String {
        use hmac::{Hmac, KeyInit, Mac};
        // ok: HMAC accepts keys of any length.
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("any key length"); // ok: see above
        mac.update(value.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("sha256:{hex}")
    }
}

/// Reads the database's answer key, making one on first use from the system's random source.
fn answer_key(conn: &Connection) -> rusqlite::Result<AnswerKey> {
    let read = |conn: &Connection| -> rusqlite::Result<Option<String>> {
        conn.query_row(
            "SELECT value FROM settings WHERE name = 'answer_key'",
            [],
            |r| r.get(0),
        )
        .optional()
    };
    let hex = match read(conn)? {
        Some(hex) => hex,
        None => {
            let mut bytes = [0u8; 32];
            let random = std::fs::File::open("/dev/urandom")
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
            if random.is_err() {
                // No /dev/urandom (not Unix): time and process make a key unique to this
                // database, if not secret from someone who can read it anyway.
                use sha2::{Digest, Sha256};
                let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
                bytes.copy_from_slice(&Sha256::digest(seed.as_bytes()));
            }
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            // Another process may have made one meanwhile: the first one written wins.
            conn.execute(
                "INSERT OR IGNORE INTO settings (name, value) VALUES ('answer_key', ?1)",
                [&hex],
            )?;
            read(conn)?.unwrap_or(hex)
        }
    };
    let bytes = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    Ok(AnswerKey(bytes))
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

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn save_outcome(
    conn: &Connection,
    caller: &Caller,
    outcome: &Outcome,
    now: DateTime<Utc>,
    key: &AnswerKey,
) -> rusqlite::Result<()> {
    let session = &outcome.session;
    let to_sql_err = |e: serde_json::Error| rusqlite::Error::ToSqlConversionFailure(Box::new(e));
    let state = serde_json::to_string(session).map_err(to_sql_err)?;
    let at = timestamp(now);
    let created_at = timestamp(session.started_at);
    // Cached statements: SQLite parses each of these once per connection, not once per turn
    // (parsing was a tenth of the writer thread's time).
    conn.prepare_cached(
        "INSERT INTO sessions (key, channel, state, ended, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (key) DO UPDATE SET state = excluded.state, ended = excluded.ended,
            created_at = excluded.created_at, updated_at = excluded.updated_at",
    )?
    .execute(params![
        caller.key,
        session.channel.as_str(),
        state,
        session.ended,
        created_at,
        at
    ])?;
    let mut history = History::default();
    for effect in &outcome.effects {
        match effect {
            Effect::Collected(record) => {
                // Sensitive answers are stored only as a keyed hash: an operator can check a
                // value they are given, nobody can read one off the database.
                let answers: Vec<AnswerRecord> = record
                    .answers
                    .iter()
                    .map(|a| {
                        if a.sensitive {
                            AnswerRecord {
                                said: String::new(),
                                value: key.hash(&a.value),
                                ..a.clone()
                            }
                        } else {
                            a.clone()
                        }
                    })
                    .collect();
                let answers = serde_json::to_string(&answers).map_err(to_sql_err)?;
                conn.prepare_cached(
                    "INSERT INTO collected (session_key, seq, channel, caller, task, collect, status, answers, started_at, updated_at, finished_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                     ON CONFLICT (session_key, seq, started_at) DO UPDATE SET
                        status = excluded.status, answers = excluded.answers,
                        updated_at = excluded.updated_at, finished_at = excluded.finished_at",
                )?
                .execute(params![
                        caller.key,
                        record.seq,
                        session.channel.as_str(),
                        session.caller(),
                        record.task,
                        record.collect,
                        record.status.as_str(),
                        answers,
                        timestamp(record.started_at),
                        at,
                        record.finished_at.map(timestamp),
                    ],
                )?;
            }
            Effect::Event { kind, detail } => history.push(kind, detail),
        }
    }
    if let Some((kinds, detail)) = history.finish() {
        conn.prepare_cached(
            "INSERT INTO events (session_key, session_created_at, turn, at, kind, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            caller.key,
            created_at,
            session.turns,
            at,
            kinds,
            detail
        ])?;
    }
    Ok(())
}

/// One step's lines of call history, made into one `events` row: `kind` lists what happened in
/// order (`input,route`) and `detail` is a JSON array holding each as `{kind: detail}`.
///
/// Why one row per step rather than per line: a row is an insert and an index entry, and the
/// two or three lines of a turn as separate rows were a fifth of the writer's time. An operator
/// still reads a call turn by turn, and `json_each(detail)` takes a row apart.
#[derive(Default)]
struct History {
    kinds: String,
    detail: String,
}

impl History {
    fn push(&mut self, kind: &str, detail: &serde_json::Value) {
        use std::fmt::Write as _;
        let sep = if self.kinds.is_empty() { '[' } else { ',' };
        if !self.kinds.is_empty() {
            self.kinds.push(',');
        }
        self.kinds.push_str(kind);
        // Kinds are the engine's own identifiers (lowercase words), never text from a caller,
        // so they need no escaping. Writing to a String cannot fail.
        debug_assert!(kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        let _ = write!(self.detail, "{sep}{{\"{kind}\":{detail}}}");
    }

    /// The row's `kind` and `detail`, or None when the step wrote no history.
    fn finish(mut self) -> Option<(String, String)> {
        if self.kinds.is_empty() {
            return None;
        }
        self.detail.push(']');
        Some((self.kinds, self.detail))
    }
}

#[cfg(test)]
mod tests;
