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
//!
//! A bad day stays inside Twilio's 15 s: every turn carries a deadline (a turn still queued at
//! it fails at once and is never run; a batch waits for a lock no longer than its earliest),
//! purges go in small chunks between batches, and a database file deleted or replaced under
//! the server fails every later turn rather than confirm calls the next restart would lose.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::turn::{self, AnswerKey, Written, timestamp};
use super::{Cutoffs, FILE_GONE, Purged, Stepped, StoreError, StoreOptions, loggable_key, schema};
use crate::engine::{Caller, Input, Outcome, Reply, Session};
use crate::versions::Versions;

/// A handle to the writer; cheap to clone.
#[derive(Clone)]
pub(super) struct Store {
    jobs: mpsc::Sender<Job>,
    path: Arc<PathBuf>,
    /// Set once the database file has gone from under the server (see [`FileWatch`]).
    file_gone: Arc<AtomicBool>,
    /// What the writer's session cache holds, in bytes, as of its last batch.
    cached_bytes: Arc<AtomicUsize>,
}

/// One turn waiting for the writer.
struct Job {
    flows: Arc<Versions>,
    caller: Caller,
    input: Input,
    now: DateTime<Utc>,
    /// When the caller stops waiting: a job still queued then is answered with an error and
    /// never run, and a batch waits for a lock on the file no longer than its earliest deadline.
    deadline: Instant,
    /// Who decides the job's fate at its deadline, the writer or the caller (see [`Claim`]).
    claim: Arc<AtomicU8>,
    reply: oneshot::Sender<Result<Stepped, StoreError>>,
}

/// A job's [`Job::claim`]: queued, then taken by the writer to run or given up by its caller —
/// whichever comes first, once. A caller that has been told its turn failed must never have it
/// committed afterwards, and a caller whose turn the writer has taken waits for the real result
/// (the writer's wait for the database is bounded by the same deadline, so it comes soon).
mod claim {
    pub(super) const QUEUED: u8 = 0;
    pub(super) const RUNNING: u8 = 1;
    pub(super) const ABANDONED: u8 = 2;
}

impl Job {
    /// Claims the job for the writer; false if its caller has given up on it.
    fn take(&self) -> bool {
        self.claim
            .compare_exchange(
                claim::QUEUED,
                claim::RUNNING,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }
}

impl Store {
    /// Opens (or creates) the database, brings its schema up to date and starts the writer.
    ///
    /// # Errors
    /// The file cannot be opened, is not a database, or has a newer schema.
    pub(super) fn open_with(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
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
        let file_gone = Arc::new(AtomicBool::new(false));
        let watch = FileWatch::new(path, Arc::clone(&file_gone))
            .map_err(|e| StoreError::Batch(format!("cannot stat {}: {e}", path.display())))?;
        let gone = Arc::clone(&file_gone);
        let cached_bytes = Arc::new(AtomicUsize::new(0));
        let cached = Arc::clone(&cached_bytes);
        let (jobs, receiver) = mpsc::channel();
        let (alive, writer_gone) = mpsc::channel::<()>();
        let wal_frames = Arc::new(AtomicU64::new(0));
        let frames = Arc::clone(&wal_frames);
        let thread_err =
            |e: std::io::Error| StoreError::Batch(format!("cannot start a database thread: {e}"));
        std::thread::Builder::new()
            .name("switchboard-db".into())
            .spawn(move || {
                writer(conn, &receiver, options, &key, &frames, &gone, &cached);
                drop(alive);
            })
            .map_err(thread_err)?;
        std::thread::Builder::new()
            .name("switchboard-wal".into())
            .spawn(move || checkpointer(&checkpoints, &writer_gone, &wal_frames, &watch))
            .map_err(thread_err)?;
        Ok(Store {
            jobs,
            path: Arc::new(path.to_path_buf()),
            file_gone,
            cached_bytes,
        })
    }

    /// Bytes of calls' state (as JSON) the writer keeps in memory, as of its last batch: at
    /// most [`StoreOptions::cache_bytes`].
    pub fn cached_bytes(&self) -> usize {
        self.cached_bytes.load(Ordering::Relaxed)
    }

    /// Whether turns can be saved: an error says why not (for `GET /health`).
    ///
    /// # Errors
    /// The database file was deleted or replaced while the server ran.
    pub fn health(&self) -> Result<(), StoreError> {
        if self.file_gone.load(Ordering::Acquire) {
            return Err(StoreError::FileGone);
        }
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs one turn: the engine step and its writes, committed before this returns.
    ///
    /// `deadline` bounds the wait: a turn the writer has not taken by then fails with
    /// [`StoreError::TimedOut`] and is never run, so the caller hears the apology in time
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
        let (reply, mut receive) = oneshot::channel();
        let claim = Arc::new(AtomicU8::new(claim::QUEUED));
        self.jobs
            .send(Job {
                flows,
                caller,
                input,
                now,
                deadline,
                claim: Arc::clone(&claim),
                reply,
            })
            .map_err(|_| StoreError::WriterGone)?;
        let deadline = tokio::time::Instant::from_std(deadline);
        if let Ok(result) = tokio::time::timeout_at(deadline, &mut receive).await {
            return result.map_err(|_| StoreError::WriterGone)?;
        }
        let gave_up = claim
            .compare_exchange(
                claim::QUEUED,
                claim::ABANDONED,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if gave_up {
            return Err(StoreError::TimedOut);
        }
        // The writer took it just in time: its result, committed or not, is the truth.
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
pub(super) fn open_hint(error: &rusqlite::Error) -> &'static str {
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
fn checkpointer(
    conn: &Connection,
    writer_gone: &mpsc::Receiver<()>,
    wal_frames: &AtomicU64,
    watch: &FileWatch,
) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = writer_gone.recv_timeout(CHECKPOINT_EVERY) {
        if !watch.still_there() {
            continue;
        }
        match checkpoint(conn) {
            Ok(frames) => wal_frames.store(frames, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; will try again"),
        }
    }
}

/// The database file as opened, checked on every checkpoint tick: a file deleted (or replaced)
/// under a running server still takes SQLite's writes through the open handles, so every call
/// would go on being confirmed and be gone at the next restart. Once it is noticed the store
/// refuses every turn (callers hear the apology) and `GET /health` says why.
struct FileWatch {
    path: PathBuf,
    /// Device and inode at open (Unix); None where the platform has no such identity.
    identity: Option<(u64, u64)>,
    /// A handle on the file as opened: its link count drops to 0 when the file is deleted.
    handle: std::fs::File,
    gone: Arc<AtomicBool>,
}

impl FileWatch {
    fn new(path: &Path, gone: Arc<AtomicBool>) -> std::io::Result<FileWatch> {
        let handle = std::fs::File::open(path)?;
        Ok(FileWatch {
            path: path.to_path_buf(),
            identity: identity(&handle.metadata()?),
            handle,
            gone,
        })
    }

    /// Whether the path still names the file opened; on the first tick it does not, marks the
    /// store failed and says so once in the log.
    fn still_there(&self) -> bool {
        if self.gone.load(Ordering::Acquire) {
            return false;
        }
        // A stat of the path and of the handle: two system calls every 200 ms.
        let same = match std::fs::metadata(&self.path) {
            Ok(now) => identity(&now) == self.identity,
            Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        };
        let linked = self.handle.metadata().map_or(true, |m| links(&m) != 0);
        if same && linked {
            return true;
        }
        self.gone.store(true, Ordering::Release);
        tracing::error!(db = %self.path.display(), "{FILE_GONE}");
        false
    }
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn links(_: &std::fs::Metadata) -> u64 {
    1
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
    file_gone: &AtomicBool,
    cached_bytes: &AtomicUsize,
) {
    let mut last_purge = Instant::now();
    let mut purging: Option<Purge> = None;
    let mut cache = Sessions::new(options.cache_bytes);
    loop {
        cached_bytes.store(cache.bytes(), Ordering::Relaxed);
        // A purge goes one chunk at a time, with the turns waiting served between chunks, so
        // no turn waits for more than one chunk of it.
        if let Some(purge) = purging.as_mut() {
            // A lock held by another program is not waited out for a purge, which can wait
            // for the next round; turns cannot.
            let waits = conn.busy_timeout(PURGE_BUSY_WAIT);
            if file_gone.load(Ordering::Acquire) || waits.is_err() {
                purging = None;
            } else {
                match purge.chunk(&mut conn, &mut cache) {
                    Ok(false) => {}
                    Ok(true) => {
                        purge.log_done();
                        purging = None;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not purge old sessions, replies and history; will try again later");
                        purging = None;
                    }
                }
            }
        }
        let first = if purging.is_some() {
            match jobs.try_recv() {
                Ok(job) => job,
                Err(mpsc::TryRecvError::Empty) => continue,
                Err(mpsc::TryRecvError::Disconnected) => break,
            }
        } else {
            match jobs.recv() {
                Ok(job) => job,
                Err(_) => break,
            }
        };
        if purging.is_none() && last_purge.elapsed() >= options.purge_every {
            last_purge = Instant::now();
            purging = Some(Purge::new(
                first.now,
                first.flows.current().sms.idle,
                options.retention,
            ));
        }
        let mut batch = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next {
            let now = Instant::now();
            if now >= job.deadline {
                // Its caller is giving up (or has): never run it, so nothing is committed that
                // the caller was told failed.
                if job.claim.swap(claim::ABANDONED, Ordering::AcqRel) == claim::QUEUED {
                    let _ = job.reply.send(Err(StoreError::TimedOut));
                }
            } else if job.take() {
                batch.push(job);
            }
            next = if batch.len() < options.max_batch.max(1) {
                jobs.try_recv().ok()
            } else {
                None
            };
        }
        let Some(earliest) = batch.iter().map(|job| job.deadline).min() else {
            continue;
        };
        if file_gone.load(Ordering::Acquire) {
            for job in batch {
                let _ = job.reply.send(Err(StoreError::FileGone));
            }
            continue;
        }
        // A lock held by another program is waited out no longer than the batch's first caller
        // waits: each batch waiting the whole default in turn put replies past Twilio's 15 s.
        if let Err(e) = conn.busy_timeout(earliest.saturating_duration_since(Instant::now())) {
            tracing::warn!(error = %e, "could not set the database's busy timeout");
        }
        if wal_frames.load(Ordering::Relaxed) > WAL_RESTART_FRAMES {
            wal_frames.store(0, Ordering::Relaxed);
            if let Err(e) = checkpoint(&conn) {
                tracing::warn!(error = %e, "WAL checkpoint failed; will try again");
            }
        }
        let committed = run_batch(&mut conn, &batch, key, &mut cache);
        cached_bytes.store(cache.bytes(), Ordering::Relaxed);
        match committed {
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
///
/// Bounded by count and by bytes: each entry weighs its state's JSON length (known when it is
/// saved or loaded), so a few calls carrying a large Memory cannot make the map hold gigabytes.
/// When the next batch's states would not fit, the map starts afresh; a state heavier than the
/// whole budget is never kept. Either way the call's next turn reads it from the database.
struct Sessions {
    map: std::collections::HashMap<String, (Session, usize)>,
    /// Sum of the entries' weights.
    bytes: usize,
    /// Most bytes kept.
    budget: usize,
}

impl Sessions {
    fn new(budget: usize) -> Sessions {
        Sessions {
            map: std::collections::HashMap::new(),
            bytes: 0,
            budget,
        }
    }

    /// Takes a call's state out, with its weight.
    fn take(&mut self, key: &str) -> Option<(Session, usize)> {
        let (session, weight) = self.map.remove(key)?;
        self.bytes -= weight;
        Some((session, weight))
    }

    fn remove(&mut self, key: &str) {
        self.take(key);
    }

    /// Keeps committed states, starting afresh if they would not fit beside those kept.
    fn put_all(&mut self, staged: Vec<(String, (Session, usize))>) {
        let bytes: usize = staged.iter().map(|(_, (_, weight))| weight).sum();
        if self.map.len() + staged.len() > CACHED_SESSIONS
            || self.bytes.saturating_add(bytes) > self.budget
        {
            self.map.clear();
            self.bytes = 0;
        }
        for (key, (session, weight)) in staged {
            // Only a batch heavier than the whole budget reaches here without room.
            if self.bytes + weight > self.budget || self.map.len() >= CACHED_SESSIONS {
                continue;
            }
            self.remove(&key);
            self.bytes += weight;
            self.map.insert(key, (session, weight));
        }
    }

    /// Sum of the kept states' JSON lengths.
    fn bytes(&self) -> usize {
        self.bytes
    }
}

/// Most sessions kept in memory: the calls in progress at a busy moment, a few megabytes.
const CACHED_SESSIONS: usize = 1024;

/// Most bytes of session state kept in memory, by default (the JSON's length; the parsed form
/// takes a few times that). 1024 calls of 32 KiB each: a usual call's state is a few KiB, so
/// the count binds first and this only for calls carrying an unusually large Memory, whose
/// turns then parse their state from the database like any call not kept.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;

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
    let mut staged: std::collections::HashMap<String, (Session, usize)> =
        std::collections::HashMap::new();
    for job in batch {
        let caller = &job.caller;
        // A retried text is looked up in `deliveries`; a call's last delivery is in its session.
        if let Some(token) =
            turn::retry_token(caller, &job.input).filter(|_| !turn::by_session(caller))
            && let Some(reply) = load_delivery(&tx, token, &caller.key)?
        {
            results.push(Ok(Stepped {
                reply,
                routed: None,
                observed: turn::Observed::default(),
                version: None,
            }));
            continue;
        }
        let session = match staged
            .remove(&caller.key)
            .or_else(|| cache.take(&caller.key))
        {
            Some(session) => Some(session),
            None => load_session(&tx, &caller.key)?,
        };
        if let Some(reply) = turn::replay(session.as_ref().map(|(s, _)| s), caller, &job.input) {
            results.push(Ok(Stepped {
                reply,
                routed: None,
                observed: turn::Observed::default(),
                version: None,
            }));
            // Unchanged, so nothing to write: back where a later turn of the call looks first.
            if let Some(session) = session.filter(|(s, _)| !s.ended) {
                staged.insert(caller.key.clone(), session);
            }
            continue;
        }
        let nothing_to_keep = turn::keeps_nothing(session.is_some(), &job.input);
        let outcome = match turn::step(
            &job.flows,
            session.map(|(s, _)| s),
            job.input.clone(),
            caller,
            job.now,
        ) {
            Ok(outcome) => outcome,
            Err(e) => {
                results.push(Err(e));
                continue;
            }
        };
        let weight = if nothing_to_keep {
            0
        } else {
            save_outcome(&tx, caller, &outcome, job.now, key)?
        };
        if let Some(token) = turn::delivery_to_save(caller, &outcome) {
            save_delivery(&tx, token, &caller.key, &outcome.reply, job.now)?;
        }
        let observed = turn::observed(&outcome);
        let version = outcome.session.version.clone();
        if !nothing_to_keep && !outcome.session.ended {
            staged.insert(caller.key.clone(), (outcome.session, weight));
        }
        results.push(Ok(Stepped {
            version,
            reply: outcome.reply,
            routed: outcome.routed,
            observed,
        }));
    }
    let committing = std::time::Instant::now();
    tx.commit()?;
    crate::metrics::commit("sqlite", committing.elapsed(), results.len());
    cache.put_all(staged.into_iter().collect());
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

/// Deletes callers' answers and call history older than `cutoff`, and sessions that ended
/// before it — the retention limit an operator owes the people who called. Runs on its own
/// connection beside a running server, in chunks of `PURGE_CHUNK` rows, each its own short
/// transaction, so the server's turns are never kept waiting behind one long delete.
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
    let mut purge = Purge::retention_only(cutoff);
    let mut cache = Sessions::new(0);
    while !purge.chunk(&mut conn, &mut cache)? {}
    Ok(purge.purged)
}

/// Rows one purge chunk deletes, in its own transaction. Small enough that a turn waiting
/// behind a chunk waits a few milliseconds; large enough that a big backlog is not one fsync
/// per handful of rows (see the `purge_chunk` measurement in the store's tests).
const PURGE_CHUNK: i64 = 500;

/// Longest a purge chunk on the writer waits for a lock another program holds.
const PURGE_BUSY_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// One kind of row a purge deletes, in the order a purge goes through them. Every one is
/// found through an index led by a time that turns do not change (schema versions 4 and 5)
/// and deleted by rowid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sweep {
    /// Replies to deliveries too old to be retried.
    Deliveries,
    /// Calls long over and text conversations past their idle time; a collect such a session
    /// left half-done is marked incomplete — its answers stay.
    StaleSessions,
    /// Retention: answers older than the cutoff (a collect in progress stays whatever its age).
    Collected,
    /// Retention: call history older than the cutoff.
    Events,
    /// Retention: calls (their lines in the list) older than the cutoff.
    Calls,
    /// Retention: sessions that ended before the cutoff.
    EndedSessions,
}

/// `?1` is the cutoff (for stale sessions, calls'; `?2` texts'), the last parameter the chunk.
const SWEEP_DELIVERIES: &str =
    "DELETE FROM deliveries WHERE rowid IN (SELECT rowid FROM deliveries WHERE at < ?1 LIMIT ?2)";
/// Sessions are found by when they started (`sessions_by_start`), not by their last turn, which
/// changes every turn: a session last updated before a cutoff started before it too, and the
/// only sessions the index walk passes over are ones that started before the cutoff and are
/// still going — calls longer than a day (none) and text conversations longer than their idle
/// time (a few).
const SWEEP_STALE_SESSIONS: &str = "DELETE FROM sessions WHERE rowid IN (
    SELECT rowid FROM sessions WHERE channel = 'voice' AND created_at < ?1 AND updated_at < ?1
    UNION ALL
    SELECT rowid FROM sessions WHERE channel = 'sms' AND created_at < ?2 AND updated_at < ?2
    LIMIT ?3) RETURNING key";
const MARK_INCOMPLETE: &str = "UPDATE collected SET status = 'incomplete', finished_at = ?2, updated_at = ?2 WHERE session_key = ?1 AND status = 'in_progress'";
/// Collects are found by when they started (`collected_by_start`), which answering never
/// changes; the walk passes over only collects that started before the cutoff and were
/// answered or finished after it.
const SWEEP_COLLECTED: &str = "DELETE FROM collected WHERE id IN (SELECT id FROM collected WHERE started_at < ?1 AND updated_at < ?1 AND status != 'in_progress' LIMIT ?2)";
/// History is found through the index every turn writes anyway (`events_by_call`, led by when
/// the call started): a row is never older than its call. Rows from before schema version 4
/// have no call start and sit first in that index.
const SWEEP_EVENTS: &str = "DELETE FROM events WHERE id IN (
    SELECT id FROM events WHERE session_created_at < ?1 AND at < ?1
    UNION ALL
    SELECT id FROM events WHERE session_created_at IS NULL AND at < ?1
    LIMIT ?2)";
/// Calls are found by their primary key, led by when they started.
const SWEEP_CALLS: &str = "DELETE FROM calls WHERE (started_at, session_key) IN (
    SELECT started_at, session_key FROM calls WHERE started_at < ?1 AND last_at < ?1 LIMIT ?2)";
const SWEEP_ENDED_SESSIONS: &str = "DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE channel IN ('voice', 'sms') AND created_at < ?1 AND updated_at < ?1 AND ended = 1 LIMIT ?2) RETURNING key";

/// A purge in progress: what is left to sweep and what has gone so far. Its cutoffs are fixed
/// when it starts.
struct Purge {
    /// Sweeps left, the current one first.
    sweeps: std::collections::VecDeque<Sweep>,
    now: String,
    deliveries_before: String,
    calls_before: String,
    texts_before: String,
    retention_before: String,
    /// Whether the retention sweeps are part of it.
    retains: bool,
    /// Old delivery replies and stale sessions forgotten, with answers marked incomplete.
    forgotten: usize,
    /// What the retention limit deleted.
    purged: Purged,
}

impl Purge {
    /// The writer's periodic purge: what no webhook can need any more, and what the retention
    /// limit says, if there is one.
    fn new(
        now: DateTime<Utc>,
        sms_idle: chrono::Duration,
        retention: Option<chrono::Duration>,
    ) -> Purge {
        let mut sweeps = vec![Sweep::Deliveries, Sweep::StaleSessions];
        if retention.is_some() {
            sweeps.extend([
                Sweep::Collected,
                Sweep::Events,
                Sweep::Calls,
                Sweep::EndedSessions,
            ]);
        }
        let cutoffs = Cutoffs::new(now, sms_idle, retention);
        Purge {
            sweeps: sweeps.into(),
            now: timestamp(now),
            deliveries_before: timestamp(cutoffs.deliveries),
            calls_before: timestamp(cutoffs.calls),
            texts_before: timestamp(cutoffs.texts),
            retention_before: timestamp(cutoffs.retention.unwrap_or(now)),
            retains: cutoffs.retention.is_some(),
            forgotten: 0,
            purged: Purged {
                collected: 0,
                events: 0,
                calls: 0,
                sessions: 0,
            },
        }
    }

    /// `switchboard purge`: the retention sweeps alone, at `cutoff`.
    fn retention_only(cutoff: DateTime<Utc>) -> Purge {
        let mut purge = Purge::new(
            cutoff,
            chrono::Duration::zero(),
            Some(chrono::Duration::zero()),
        );
        purge.sweeps.retain(|s| {
            matches!(
                s,
                Sweep::Collected | Sweep::Events | Sweep::Calls | Sweep::EndedSessions
            )
        });
        purge
    }

    /// Deletes one chunk in a transaction of its own; true once there is nothing left. Deleted
    /// sessions leave the writer's cache too.
    fn chunk(&mut self, conn: &mut Connection, cache: &mut Sessions) -> rusqlite::Result<bool> {
        let Some(&sweep) = self.sweeps.front() else {
            return Ok(true);
        };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows = self.sweep(&tx, sweep, cache)?;
        tx.commit()?;
        if rows < usize::try_from(PURGE_CHUNK).unwrap_or(usize::MAX) {
            self.sweeps.pop_front();
        }
        Ok(self.sweeps.is_empty())
    }

    /// One chunk of `sweep`; returns the rows it deleted (of the table it sweeps).
    fn sweep(
        &mut self,
        conn: &Connection,
        sweep: Sweep,
        cache: &mut Sessions,
    ) -> rusqlite::Result<usize> {
        let deleted_keys =
            |sql: &str, p: &[&dyn rusqlite::ToSql]| -> rusqlite::Result<Vec<String>> {
                conn.prepare_cached(sql)?
                    .query_map(p, |r| r.get(0))?
                    .collect()
            };
        match sweep {
            Sweep::Deliveries => {
                let rows = conn
                    .prepare_cached(SWEEP_DELIVERIES)?
                    .execute(params![self.deliveries_before, PURGE_CHUNK])?;
                self.forgotten += rows;
                Ok(rows)
            }
            Sweep::StaleSessions => {
                let keys = deleted_keys(
                    SWEEP_STALE_SESSIONS,
                    params![self.calls_before, self.texts_before, PURGE_CHUNK],
                )?;
                let mut mark = conn.prepare_cached(MARK_INCOMPLETE)?;
                for key in &keys {
                    self.forgotten += mark.execute(params![key, self.now])?;
                    cache.remove(key);
                }
                self.forgotten += keys.len();
                Ok(keys.len())
            }
            Sweep::Collected => {
                let rows = conn
                    .prepare_cached(SWEEP_COLLECTED)?
                    .execute(params![self.retention_before, PURGE_CHUNK])?;
                self.purged.collected += rows;
                Ok(rows)
            }
            Sweep::Events => {
                let rows = conn
                    .prepare_cached(SWEEP_EVENTS)?
                    .execute(params![self.retention_before, PURGE_CHUNK])?;
                self.purged.events += rows;
                Ok(rows)
            }
            Sweep::Calls => {
                let rows = conn
                    .prepare_cached(SWEEP_CALLS)?
                    .execute(params![self.retention_before, PURGE_CHUNK])?;
                self.purged.calls += rows;
                Ok(rows)
            }
            Sweep::EndedSessions => {
                let keys = deleted_keys(
                    SWEEP_ENDED_SESSIONS,
                    params![self.retention_before, PURGE_CHUNK],
                )?;
                for key in &keys {
                    cache.remove(key);
                }
                self.purged.sessions += keys.len();
                Ok(keys.len())
            }
        }
    }

    /// Says what a finished purge deleted (counts only).
    fn log_done(&self) {
        if self.retains {
            tracing::info!(
                collected = self.purged.collected,
                events = self.purged.events,
                calls = self.purged.calls,
                sessions = self.purged.sessions,
                "retention: deleted old answers and history"
            );
        }
    }
}

/// Forgets what no webhook can need any more, so senders cannot grow the database without
/// bound: replies to deliveries too old to be retried, calls long over, and text conversations
/// past their idle time. A collect such a session left half-done is marked incomplete first —
/// its answers stay. All of it at once; the writer goes chunk by chunk instead.
#[cfg(test)]
pub(crate) fn purge(
    conn: &mut Connection,
    now: DateTime<Utc>,
    sms_idle: chrono::Duration,
) -> rusqlite::Result<usize> {
    let mut purge = Purge::new(now, sms_idle, None);
    let mut cache = Sessions::new(0);
    while !purge.chunk(conn, &mut cache)? {}
    Ok(purge.forgotten)
}

/// A call's saved state, with its JSON's length (its weight in [`Sessions`]).
fn load_session(conn: &Connection, key: &str) -> rusqlite::Result<Option<(Session, usize)>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM sessions WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(state.and_then(|json| match serde_json::from_str(&json) {
        Ok(session) => Some((session, json.len())),
        Err(e) => {
            // Unreadable state (written by an incompatible version): start the call over rather
            // than fail every turn of it.
            tracing::error!(session = %loggable_key(key), error = %e, "unreadable session state; starting over");
            None
        }
    }))
}

/// Reads the database's answer key, making one on first use.
fn answer_key(conn: &Connection) -> rusqlite::Result<AnswerKey> {
    let read = |conn: &Connection| -> rusqlite::Result<Option<String>> {
        conn.query_row(
            "SELECT value FROM settings WHERE name = 'answer_key'",
            [],
            |r| r.get(0),
        )
        .optional()
    };
    if let Some(hex) = read(conn)? {
        return Ok(AnswerKey::from_hex(&hex));
    }
    let hex = AnswerKey::new_hex();
    // Another process may have made one meanwhile: the first one written wins.
    conn.execute(
        "INSERT OR IGNORE INTO settings (name, value) VALUES ('answer_key', ?1)",
        [&hex],
    )?;
    Ok(AnswerKey::from_hex(&read(conn)?.unwrap_or(hex)))
}

/// A conversation's line in the list of calls, rewritten whole by each turn.
const SAVE_CALL: &str = "INSERT INTO calls (started_at, session_key, channel, caller, last_at,
        turns, tasks, collects, declines, webhook_failures, ended_by, routed, doubtful)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
    ON CONFLICT (started_at, session_key) DO UPDATE SET last_at = excluded.last_at,
        turns = excluded.turns, tasks = excluded.tasks, collects = excluded.collects,
        declines = excluded.declines, webhook_failures = excluded.webhook_failures,
        ended_by = excluded.ended_by, routed = excluded.routed, doubtful = excluded.doubtful";

fn save_outcome(
    conn: &Connection,
    caller: &Caller,
    outcome: &Outcome,
    now: DateTime<Utc>,
    key: &AnswerKey,
) -> rusqlite::Result<usize> {
    let session = &outcome.session;
    let Written {
        state,
        collected,
        history,
        call,
    } = turn::written(outcome, key)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let weight = state.len();
    let at = timestamp(now);
    let created_at = timestamp(session.started_at);
    // Cached statements: SQLite parses each of these once per connection, not once per turn
    // (parsing was a tenth of the writer thread's time).
    //
    // A conversation's later turns leave `created_at` alone, so they never touch the
    // `sessions_by_start` index the purges use (SQLite updates only the indexes whose columns
    // an UPDATE sets; moving an index entry on every turn cost the writer about a tenth more).
    // The first turn, or a text conversation starting over on the same key, writes it all.
    let continued = conn
        .prepare_cached(
            "UPDATE sessions SET state = ?2, ended = ?3, updated_at = ?4
             WHERE key = ?1 AND created_at = ?5",
        )?
        .execute(params![caller.key, state, session.ended, at, created_at])?;
    if continued == 0 {
        conn.prepare_cached(
            "INSERT INTO sessions (key, channel, state, ended, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, state = excluded.state,
                ended = excluded.ended, created_at = excluded.created_at,
                updated_at = excluded.updated_at",
        )?
        .execute(params![
            caller.key,
            session.channel.as_str(),
            state,
            session.ended,
            created_at,
            at
        ])?;
    }
    for run in collected {
        conn.prepare_cached(
            "INSERT INTO collected (session_key, seq, channel, caller, task, collect, status, answers, started_at, updated_at, finished_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (session_key, seq, started_at) DO UPDATE SET
                status = excluded.status, answers = excluded.answers,
                updated_at = excluded.updated_at, finished_at = excluded.finished_at",
        )?
        .execute(params![
            caller.key,
            run.seq,
            session.channel.as_str(),
            session.caller(),
            run.task,
            run.collect,
            run.status,
            run.answers,
            timestamp(run.started_at),
            at,
            run.finished_at.map(timestamp),
        ])?;
    }
    if let Some((kinds, detail)) = history {
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
    conn.prepare_cached(SAVE_CALL)?.execute(params![
        created_at,
        caller.key,
        session.channel.as_str(),
        session.caller(),
        at,
        session.turns,
        call.tasks,
        call.collects,
        call.declines,
        call.webhook_failures,
        call.ended_by,
        call.routed,
        call.doubtful,
    ])?;
    Ok(weight)
}

#[cfg(test)]
mod tests;
