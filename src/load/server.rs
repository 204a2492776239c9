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
    pub fn start(
        exe: &Path,
        db: &std::ffi::OsStr,
        log: &Path,
        extra: &[String],
    ) -> Result<Spawned, String> {
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

/// CPU time a process has used, from `/proc/<pid>/stat` (Linux): user and system, in the
/// kernel's reporting unit, USER_HZ, which is 100 per second on every architecture Linux
/// exposes to user space this way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cpu {
    /// Its own threads.
    pub own: Duration,
    /// Children it has waited for (a database server's finished connections).
    pub reaped: Duration,
}

const USER_HZ: u64 = 100;

impl Cpu {
    /// Reads it, with its parent's pid; None where `/proc` is not there to read.
    fn of(pid: u32) -> Option<(Cpu, u32)> {
        Cpu::parse(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    fn parse(stat: &str) -> Option<(Cpu, u32)> {
        // The command name, in parentheses, may hold spaces: the fields start after its end.
        let (_, after) = stat.rsplit_once(')')?;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| -> Option<u64> { fields.get(i)?.parse().ok() };
        let time = |t: u64| Duration::from_millis(t * 1000 / USER_HZ);
        let cpu = Cpu {
            own: time(ticks(11)? + ticks(12)?),
            reaped: time(ticks(13)? + ticks(14)?),
        };
        Some((cpu, fields.get(1)?.parse().ok()?))
    }
}

/// CPU used so far by `pids` (servers under load): their own threads.
pub fn cpu_of(pids: &[u32]) -> Option<Duration> {
    pids.iter()
        .map(|pid| Cpu::of(*pid).map(|(cpu, _)| cpu.own))
        .sum()
}

/// CPU used so far by a process and every child it has: for PostgreSQL's postmaster, the whole
/// database server (a backend per connection, and the background writers), counting
/// connections that have ended, whose time the postmaster reaped.
pub fn cpu_of_tree(root: u32) -> Option<Duration> {
    let (cpu, _) = Cpu::of(root)?;
    let mut total = cpu.own + cpu.reaped;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Some((child, parent)) = Cpu::of(pid)
            && parent == root
        {
            total += child.own;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_from_proc_stat_whatever_the_command_name() {
        let stat = "4242 (postgres: app calls 127.0.0.1(5) idle) S 4000 4242 4242 0 -1 4194560 \
                    1041 0 0 0 250 75 30 20 20 0 1 0 100 0 0";
        let (cpu, parent) = Cpu::parse(stat).expect("parses");
        assert_eq!(parent, 4000);
        assert_eq!(cpu.own, Duration::from_millis(3250));
        assert_eq!(cpu.reaped, Duration::from_millis(500));
        assert_eq!(Cpu::parse("4242 (x) S"), None);
    }

    #[test]
    fn this_process_has_used_some_cpu() {
        let me = std::process::id();
        assert!(cpu_of(&[me]).is_some());
        assert!(cpu_of_tree(me).is_some());
    }

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
