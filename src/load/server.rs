//! The server under load: a `switchboard serve` the load tool starts on a free loopback port
//! and a scratch database, or one already running; and how much memory it holds.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `switchboard serve` child process, stopped when dropped.
pub struct Spawned {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// How long it said it took to start (flows loaded, database open, port bound).
    pub ready_ms: Option<u64>,
    /// Its log file.
    log: PathBuf,
}

impl Spawned {
    /// Starts `exe serve` on `db` with the baseline route and `extra` arguments, logging to
    /// `log`, and waits until it listens.
    ///
    /// The log goes to a file, not a pipe to this process, as it would in production: reading
    /// a pipe line by line would put the tool's own work, and a wake-up per logged turn, on the
    /// whole-call phases alone (the baseline logs nothing per request).
    ///
    /// # Errors
    /// It could not be started, or exited before listening (its log is in the error).
    pub fn start(exe: &Path, db: &Path, log: &Path, extra: &[String]) -> Result<Spawned, String> {
        let file = std::fs::File::create(log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
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
            .stderr(file)
            .spawn()
            .map_err(|e| format!("cannot start {} serve: {e}", exe.display()))?;
        let started = Instant::now();
        loop {
            let said = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(line) = said.lines().find(|l| l.contains("listening on http://")) {
                let addr = line
                    .split("listening on http://")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .and_then(|a| a.parse().ok())
                    .ok_or_else(|| format!("unreadable address in: {line}"))?;
                let ready_ms = line
                    .split("ready in ")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|ms| ms.parse().ok());
                return Ok(Spawned {
                    child,
                    addr,
                    ready_ms,
                    log: log.to_path_buf(),
                });
            }
            if child.try_wait().map_err(|e| e.to_string())?.is_some() {
                return Err(format!("the server exited before listening:\n{said}"));
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = child.kill();
                return Err(format!(
                    "the server did not listen within {} s:\n{said}",
                    START_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The process id, for [`Memory::of`].
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Lines it has logged at ERROR level.
    pub fn errors_logged(&self) -> u64 {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|l| l.contains(" ERROR ")).count() as u64
    }
}

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);

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
