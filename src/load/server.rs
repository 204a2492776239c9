//! The server under load: a `switchboard serve` the load tool starts on a free loopback port
//! and a scratch database, or one already running; and how much memory it holds.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A `switchboard serve` child process, stopped when dropped.
pub struct Spawned {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its database.
    pub db: PathBuf,
    /// How long it said it took to start (flows loaded, database open, port bound).
    pub ready_ms: Option<u64>,
    /// Lines it logged at ERROR level so far.
    pub errors_logged: Arc<AtomicU64>,
}

impl Spawned {
    /// Starts `exe serve` on `db` with the baseline route and `extra` arguments, and waits
    /// until it listens.
    ///
    /// # Errors
    /// It could not be started, or exited before listening (its last words are in the error).
    pub fn start(exe: &Path, db: &Path, extra: &[String]) -> Result<Spawned, String> {
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--baseline-route",
                "--db",
            ])
            .arg(db)
            .args(extra)
            .env("NO_COLOR", "1")
            .env_remove("SWITCHBOARD_LISTEN")
            .env_remove("SWITCHBOARD_DB")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {} serve: {e}", exe.display()))?;
        let Some(stderr) = child.stderr.take() else {
            return Err("the server's log is not readable".into());
        };
        let mut log = BufReader::new(stderr);
        let mut line = String::new();
        let mut said = String::new();
        let (addr, ready_ms) = loop {
            line.clear();
            if log.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                let _ = child.wait();
                return Err(format!("the server exited before listening:\n{said}"));
            }
            said.push_str(&line);
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest
                    .split_whitespace()
                    .next()
                    .and_then(|a| a.parse().ok())
                    .ok_or_else(|| format!("unreadable address in: {line}"))?;
                let ready = line
                    .split("ready in ")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|ms| ms.parse().ok());
                break (addr, ready);
            }
        };
        // Keep reading the log so the server never blocks on a full pipe; count its errors.
        let errors_logged = Arc::new(AtomicU64::new(0));
        let errors = Arc::clone(&errors_logged);
        std::thread::spawn(move || {
            let mut line = String::new();
            while log.read_line(&mut line).is_ok_and(|n| n > 0) {
                if line.contains(" ERROR ") {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                line.clear();
            }
        });
        Ok(Spawned {
            child,
            addr,
            db: db.to_path_buf(),
            ready_ms,
            errors_logged,
        })
    }

    /// The process id, for [`Memory::of`].
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's resident memory, from `/proc/<pid>/status` (Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Memory {
    /// Resident now, in bytes.
    pub rss: u64,
    /// The most it has been resident since it started (the kernel's high-water mark).
    pub peak: u64,
}

impl Memory {
    /// Reads it; None where `/proc` is not there to read.
    pub fn of(pid: u32) -> Option<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        Memory::parse(&status)
    }

    fn parse(status: &str) -> Option<Memory> {
        let kib = |field: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(field))?;
            let value = line[field.len()..].trim().trim_end_matches("kB").trim();
            value.parse::<u64>().ok().map(|k| k * 1024)
        };
        Some(Memory {
            rss: kib("VmRSS:")?,
            peak: kib("VmHWM:")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_proc_status() {
        let status = "Name:\tswitchboard\nVmHWM:\t   24576 kB\nVmRSS:\t   20480 kB\nThreads:\t4\n";
        assert_eq!(
            Memory::parse(status),
            Some(Memory {
                rss: 20 * 1024 * 1024,
                peak: 24 * 1024 * 1024
            })
        );
        assert_eq!(Memory::parse("Name:\tx\n"), None);
    }
}
