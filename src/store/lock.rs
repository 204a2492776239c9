//! The server's claim on a database file: an advisory lock on `<db>.lock`, held for the
//! server's lifetime, so a second `switchboard serve` on the same file refuses to start.
//!
//! Why: the writer keeps calls in progress in memory as last committed, so two servers on one
//! file each trust their own view and a call alternating between them loses its answers. Until
//! several servers are supported (PostgreSQL), exactly one may own a file.
//!
//! Why a file *beside* the database rather than a lock on the database itself: SQLite uses POSIX
//! record locks on the database file, and POSIX drops every such lock a process holds on a file
//! when *any* descriptor of that file is closed; opening and closing the database file here would
//! silently release SQLite's own locks. `File::try_lock` (flock on Unix) on another file touches
//! none of them, and the kernel releases it when the process dies, even by `kill -9`.
//!
//! The lock file is never deleted: unlinking it while another process holds it open would let
//! two servers each lock a different file of the same name. It holds the owner's pid, for the
//! message; a stale pid in an unlocked file means nothing.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock a serving process holds on its database; released when dropped (or the process ends).
#[derive(Debug)]
pub struct ServerLock {
    /// The locked file, kept open: closing it is what releases the lock.
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "another switchboard ({}) is serving {}: stop it, or give this one another --db",
        .pid.map_or_else(|| "pid unknown".to_owned(), |pid| format!("pid {pid}")),
        .db.display()
    )]
    Held {
        /// The database.
        db: PathBuf,
        /// The other process, as it wrote itself into the lock file.
        pid: Option<u32>,
    },
    /// The lock file cannot be created, read or written.
    #[error(
        "cannot open database {}: cannot make its lock file {}: {source}; make the file and its folder writable by the user running switchboard, or choose another --db",
        .db.display(),
        .path.display()
    )]
    Io {
        /// The database.
        db: PathBuf,
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The lock file for a database: `<db>.lock`, beside it.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl ServerLock {
    /// Takes the lock for serving `db`, without waiting, and writes this process's pid into it.
    ///
    /// # Errors
    /// Another process holds it ([`LockError::Held`], naming its pid), or the file cannot be
    /// created.
    pub fn acquire(db: &Path) -> Result<ServerLock, LockError> {
        let path = lock_path(db);
        let io = |source| LockError::Io {
            db: db.to_path_buf(),
            path: path.clone(),
            source,
        };
        // Not truncated on open: the pid in it belongs to whoever holds the lock.
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path);
        let (mut file, writable) = match opened {
            Ok(file) => (file, true),
            // Left by another user (a run as root, say): a lock needs no write access, only
            // the pid does, so take it read-only and let the database's own checks speak.
            Err(e) => match File::open(&path) {
                Ok(file) => (file, false),
                Err(_) => return Err(io(e)),
            },
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // The pid is only for the message: an unreadable one is "unknown", not an error.
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held {
                    db: db.to_path_buf(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        if writable {
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            writeln!(file, "{}", std::process::id()).map_err(io)?;
            file.flush().map_err(io)?;
        }
        Ok(ServerLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_names_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("switchboard.db");
        let first = ServerLock::acquire(&db).expect("first lock");
        let refused = ServerLock::acquire(&db).expect_err("second lock refused");
        assert_eq!(
            refused.to_string(),
            format!(
                "another switchboard (pid {}) is serving {}: stop it, or give this one another --db",
                std::process::id(),
                db.display()
            )
        );
        drop(first);
        ServerLock::acquire(&db).expect("free again once dropped");
        assert!(lock_path(&db).ends_with("switchboard.db.lock"));
    }
}
