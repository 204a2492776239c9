//! The load tool behind `switchboard bench`: simulated callers over loopback HTTP, each running
//! whole registration calls as Twilio would send them, and the numbers that come out.
//!
//! A run has phases, each measured on its own with the same callers and the same request
//! bodies: the fixed-TwiML baseline (the same server's `POST /bench/fixed`: HTTP, form decoding
//! and nothing else), whole calls, and — when asked — whole calls again while thousands of
//! other calls sit open mid-question. A caller runs one call at a time, turn after turn, on one
//! keep-alive connection, pausing `think` between turns (0: as fast as the server answers). A
//! turn is an error when the connection fails, the status is not 200, or the reply lacks the
//! words that turn should bring; the rest of that call is then abandoned. Afterwards
//! [`verify`] reads the database to prove every call whose answers were acknowledged ("Thank
//! you, Jason.") has them saved.

pub mod call;
pub mod client;
pub mod server;
pub mod stats;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::store::Db;
use call::Call;
use client::Connection;
use stats::{Latencies, Summary};

/// What a phase runs.
#[derive(Debug, Clone)]
pub struct Load {
    /// The servers; callers are dealt to them in turn, as a round-robin load balancer would
    /// (each caller keeps its server for the run: one keep-alive connection).
    pub targets: Arc<[SocketAddr]>,
    /// Callers on the line at once.
    pub callers: usize,
    /// Mean pause between a caller's turns (each pause is drawn from 0.5–1.5 times this).
    pub think: Duration,
}

/// A call that heard its answers acknowledged, so they must be in the database.
#[derive(Debug, Clone)]
pub struct Acknowledged {
    /// Its CallSid.
    pub sid: String,
    /// The name given.
    pub name: &'static str,
    /// The number keyed.
    pub phone: String,
}

/// One phase's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    /// What ran.
    pub name: String,
    /// Calls started.
    pub calls: u64,
    /// Calls in which every turn went as planned.
    pub completed: u64,
    /// Turns that got an answer as planned.
    pub turns: u64,
    /// Turns that failed (connection, timeout, status, or an unexpected reply).
    pub errors: u64,
    /// Wall-clock time of the phase.
    pub seconds: f64,
    /// Planned turns answered per second.
    pub turns_per_sec: f64,
    /// Latency of the turns answered as planned.
    pub latency: Summary,
    /// CPU the servers under load used per turn answered, in microseconds, where their
    /// processes could be read (Linux; `--pid` for `--target`).
    pub server_cpu_us_per_turn: Option<f64>,
    /// CPU the database server used per turn answered (`--database-pid`).
    pub database_cpu_us_per_turn: Option<f64>,
    /// The first few failures, as examples.
    pub error_examples: Vec<String>,
    /// Calls whose answers were acknowledged.
    #[serde(skip)]
    pub acknowledged: Vec<Acknowledged>,
}

/// How a phase reports progress: turns done so far, read by whoever draws a progress bar.
pub type Progress = Arc<AtomicU64>;

/// Runs `count` calls, `calls(i)` being the `i`th, each cut to its first `turns` turns, and
/// measures them. `progress` goes up by one per turn attempted.
pub async fn phase(
    name: &str,
    load: Load,
    count: u64,
    turns: usize,
    calls: Arc<dyn Fn(u64) -> Call + Send + Sync>,
    progress: Progress,
) -> Phase {
    let next = Arc::new(AtomicU64::new(0));
    // Every caller connects before the clock starts, as wrk does: two hundred connections
    // opened in the same instant can overflow the listen backlog, and a dropped SYN is retried
    // a whole second later — a stall of the kernel's, not of the server's turns.
    let ready = Arc::new(tokio::sync::Barrier::new(load.callers + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for caller in 0..load.callers {
        let next = Arc::clone(&next);
        let calls = Arc::clone(&calls);
        let progress = Arc::clone(&progress);
        let ready = Arc::clone(&ready);
        let target = load.targets[caller % load.targets.len()];
        let think = load.think;
        tasks.spawn(async move {
            let mut tally = Tally::default();
            let mut connection = Connection::new(target);
            if let Err(e) = connection.connect().await {
                tally.failed(format!("caller {caller} could not connect: {e}"));
            }
            ready.wait().await;
            let mut pause = Pause::new(caller, think);
            // Callers come on the line at different moments, not all in the first instant.
            pause.stagger().await;
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                let call = calls(index);
                tally
                    .run(&mut connection, &call, turns, &mut pause, &progress)
                    .await;
            }
            tally
        });
    }
    ready.wait().await;
    let started = Instant::now();
    let mut total = Tally::default();
    while let Some(done) = tasks.join_next().await {
        // A caller task only ends by finishing its loop; a panic there is a bug to surface.
        match done {
            Ok(tally) => total.merge(tally),
            Err(e) => total.failed(format!("a simulated caller failed: {e}")),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let turns_per_sec = if seconds > 0.0 {
        total.turns as f64 / seconds
    } else {
        0.0
    };
    Phase {
        name: name.to_owned(),
        calls: count,
        completed: total.completed,
        turns: total.turns,
        errors: total.errors,
        seconds,
        turns_per_sec,
        latency: total.latencies.summary(),
        server_cpu_us_per_turn: None,
        database_cpu_us_per_turn: None,
        error_examples: total.examples,
        acknowledged: total.acknowledged,
    }
}

/// Most failure examples kept per phase.
const EXAMPLES: usize = 3;

/// One caller's counts, merged at the end of a phase.
#[derive(Default)]
struct Tally {
    completed: u64,
    turns: u64,
    errors: u64,
    latencies: Latencies,
    examples: Vec<String>,
    acknowledged: Vec<Acknowledged>,
}

impl Tally {
    async fn run(
        &mut self,
        connection: &mut Connection,
        call: &Call,
        turns: usize,
        pause: &mut Pause,
        progress: &Progress,
    ) {
        for (i, turn) in call.turns.iter().take(turns).enumerate() {
            if i > 0 {
                pause.between_turns().await;
            }
            let sent = Instant::now();
            let result = connection
                .post_form(turn.path, &turn.token, &turn.body)
                .await;
            let took = sent.elapsed();
            progress.fetch_add(1, Ordering::Relaxed);
            let problem = match result {
                Ok(r) if r.status == 200 && r.body.contains(&turn.expect) => None,
                Ok(r) if r.status == 200 => Some(format!(
                    "{} turn {}: expected {:?} in {:?}",
                    call.sid,
                    i + 1,
                    turn.expect,
                    r.body
                )),
                Ok(r) => Some(format!(
                    "{} turn {}: HTTP {} {}",
                    call.sid,
                    i + 1,
                    r.status,
                    r.body.trim()
                )),
                Err(e) => Some(format!("{} turn {}: {e}", call.sid, i + 1)),
            };
            if let Some(problem) = problem {
                self.failed(problem);
                return;
            }
            self.turns += 1;
            self.latencies.record(took);
            // The reply to the phone number thanks the caller by name: from here on the
            // answers were acknowledged and must be in the database.
            if i == 3 {
                self.acknowledged.push(Acknowledged {
                    sid: call.sid.clone(),
                    name: call.name,
                    phone: call.phone.clone(),
                });
            }
        }
        self.completed += 1;
    }

    fn failed(&mut self, problem: String) {
        self.errors += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(problem);
        }
    }

    fn merge(&mut self, other: Tally) {
        self.completed += other.completed;
        self.turns += other.turns;
        self.errors += other.errors;
        self.latencies.merge(other.latencies);
        for example in other.examples {
            if self.examples.len() < EXAMPLES {
                self.examples.push(example);
            }
        }
        self.acknowledged.extend(other.acknowledged);
    }
}

/// A caller's pauses: uniform in 0.5–1.5 × think, from a per-caller xorshift (repeatable runs,
/// no `rand`).
struct Pause {
    think: Duration,
    state: u64,
}

impl Pause {
    fn new(caller: usize, think: Duration) -> Pause {
        Pause {
            think,
            state: 0x9e37_79b9_7f4a_7c15 ^ (caller as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9),
        }
    }

    fn unit(&mut self) -> f64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        #[allow(clippy::cast_precision_loss)]
        let unit = (self.state >> 11) as f64 / (1u64 << 53) as f64;
        unit
    }

    async fn stagger(&mut self) {
        if !self.think.is_zero() {
            let wait = self.think.mul_f64(self.unit());
            tokio::time::sleep(wait).await;
        }
    }

    async fn between_turns(&mut self) {
        if !self.think.is_zero() {
            let wait = self.think.mul_f64(0.5 + self.unit());
            tokio::time::sleep(wait).await;
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// Acknowledged calls checked.
    pub checked: u64,
    /// Of those, calls whose name and number are saved, complete, exactly once.
    pub saved: u64,
    /// Acknowledged calls with nothing (or the wrong thing) saved.
    pub missing: u64,
    /// Acknowledged calls saved more than once.
    pub duplicated: u64,
}

/// Reads the database (either backend) and checks every acknowledged call's answers are saved
/// exactly once.
///
/// # Errors
/// The database cannot be read.
pub async fn verify(db: &Db, acknowledged: &[Acknowledged]) -> Result<Verified, String> {
    let rows = crate::store::collected_in(db)
        .await
        .map_err(|e| e.to_string())?;
    let mut by_call: HashMap<&str, Vec<&crate::store::CollectedRow>> = HashMap::new();
    for row in &rows {
        by_call.entry(row.session.as_str()).or_default().push(row);
    }
    let mut verified = Verified {
        checked: 0,
        saved: 0,
        missing: 0,
        duplicated: 0,
    };
    for call in acknowledged {
        verified.checked += 1;
        let matching = by_call.get(call.sid.as_str()).map_or(0, |rows| {
            rows.iter()
                .filter(|row| {
                    let value = |q: &str| {
                        row.answers
                            .iter()
                            .find(|a| a.question == q)
                            .map(|a| a.value.as_str())
                    };
                    row.status == "complete"
                        && value("user_name") == Some(call.name)
                        && value("user_phone_number").is_some_and(|v| v.ends_with(&call.phone))
                })
                .count()
        });
        match matching {
            0 => verified.missing += 1,
            1 => verified.saved += 1,
            _ => verified.duplicated += 1,
        }
    }
    Ok(verified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_stay_within_half_to_one_and_a_half_think() {
        let mut pause = Pause::new(3, Duration::from_millis(100));
        for _ in 0..1000 {
            let u = pause.unit();
            assert!((0.0..1.0).contains(&u), "{u}");
        }
        let mut a = Pause::new(1, Duration::ZERO);
        let mut b = Pause::new(2, Duration::ZERO);
        assert_ne!(a.unit(), b.unit(), "callers do not pause in lockstep");
    }
}
