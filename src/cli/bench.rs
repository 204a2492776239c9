//! `switchboard bench`: the load tool's command line — start a server (or use one already
//! running), run the phases of [`crate::load`], check the database, and report.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use serde::Serialize;

use crate::load::call::{self, Call};
use crate::load::server::{self, Memory, Spawned};
use crate::load::{self, Load, Phase, Progress, Verified};
use crate::store::Db;

/// `switchboard bench`'s settings.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Simulated callers on the line at once.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    callers: u32,
    /// Whole calls per phase (five turns each).
    #[arg(long, default_value_t = 2000)]
    calls: u64,
    /// Mean pause between a caller's turns, in milliseconds (0: as fast as answers come).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Also measure whole calls while this many other calls are open mid-question.
    #[arg(long, default_value_t = 0)]
    open_calls: u64,
    /// Skip the fixed-TwiML baseline phase.
    #[arg(long)]
    no_baseline: bool,
    /// Alternate the baseline and whole-call phases this many times (--calls calls each) and
    /// report the median of the rounds' ratios: on a shared machine one pair of phases can land
    /// on a busy moment of the host; the median of several does not hang on one.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
    rounds: u32,
    /// Flows for the server the tool starts (default: as serve finds them, ./flows or the
    /// built-in sign-up bot; the simulated calls are the sign-up bot's conversation).
    #[arg(long)]
    flows: Option<PathBuf>,
    /// A sentence-embedding model for the server the tool starts (`serve --nlu-model`), to
    /// measure whole calls with semantic matching on.
    #[arg(long, value_name = "DIR")]
    nlu_model: Option<PathBuf>,
    /// An argument for the server the tool starts (repeatable), e.g. --serve-arg=--max-batch=1.
    #[arg(long = "serve-arg", value_name = "ARG", allow_hyphen_values = true)]
    serve_args: Vec<String>,
    /// Load a server already running at this address (http://127.0.0.1:5000) instead of
    /// starting one. Its baseline phase needs `serve --baseline-route`; give --no-baseline for
    /// a server without one (another implementation of the same conversation). Repeat it for
    /// several servers on one database: callers are dealt to them in turn, as by a
    /// round-robin load balancer.
    #[arg(long, value_name = "URL")]
    target: Vec<String>,
    /// The process id of a --target server (repeatable), to report its memory (the first's)
    /// and the CPU the servers use per turn.
    #[arg(long, requires = "target")]
    pid: Vec<u32>,
    /// The process id of the database server (PostgreSQL's postmaster, the first line of
    /// postmaster.pid in its data directory), to report the CPU it and its connections use per
    /// turn.
    #[arg(long)]
    database_pid: Option<u32>,
    /// The database to check answers in (a SQLite file or postgres:// URL): --target's, or
    /// where the started server keeps its database (default: a temporary SQLite file).
    #[arg(long)]
    db: Option<Db>,
    /// Print the report as JSON on stdout (the progress bar stays on stderr).
    #[arg(long)]
    json: bool,
}

/// Everything a run measured.
#[derive(Debug, Serialize)]
struct Report {
    callers: u32,
    think_ms: u64,
    calls_per_phase: u64,
    turns_per_call: usize,
    server: ServerInfo,
    phases: Vec<Phase>,
    /// Baseline and whole-call phases alternated this many times.
    rounds: u32,
    /// Whole-call throughput as a fraction of the baseline's: the median of the rounds'.
    ratio_to_baseline: Option<f64>,
    /// Each round's ratio, in order.
    ratios_to_baseline: Vec<f64>,
    /// Whole-call throughput with calls open as a fraction of without.
    ratio_with_open_calls: Option<f64>,
    open_calls: u64,
    answers: Option<Verified>,
    memory: Option<Memory>,
    memory_with_open_calls: Option<Memory>,
}

#[derive(Debug, Serialize)]
struct ServerInfo {
    address: String,
    pid: Option<u32>,
    ready_ms: Option<u64>,
    database: Option<String>,
    errors_logged: Option<u64>,
}

/// Plays one simulated call through the engine alone (no server, no database) on the flows at
/// `flows`, so that flows which cannot hold the sign-up conversation the load is made of are
/// refused before anything starts, with the turn that goes astray — instead of a run of
/// thousands of failed calls. A call that reaches a web service is not judged: what it would
/// answer is not known here.
///
/// # Errors
/// The flows do not load, or the call does not go as the load expects.
fn rehearse(flows: &std::path::Path) -> Result<(), String> {
    use crate::engine::{self, Caller, Channel, Input, Next, Output};
    let assistant =
        crate::flow::load_path(flows).map_err(|e| format!("--flows {}: {e}", flows.display()))?;
    let call = call::registration(0, 0);
    let caller = Caller {
        key: call.sid.clone(),
        channel: Channel::Voice,
        ..Caller::default()
    };
    let mut session = None;
    for (i, turn) in call.turns.iter().enumerate() {
        let form: Vec<(String, String)> =
            serde_urlencoded::from_str(&turn.body).unwrap_or_default();
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let (input, what) = match (field("SpeechResult"), field("Digits")) {
            (Some(text), _) => (
                Input::Speech {
                    text: text.clone(),
                    confidence: None,
                    embedding: None,
                },
                format!("the caller says {text:?}"),
            ),
            (None, Some(digits)) => (
                Input::Digits(digits.clone()),
                format!("the caller keys {digits}"),
            ),
            (None, None) => (Input::Start, "the call starts".to_owned()),
        };
        let outcome = engine::step(
            &assistant,
            session.take(),
            input,
            &caller,
            chrono::Utc::now(),
        );
        if matches!(outcome.reply.next, Next::Webhook(_)) {
            return Ok(());
        }
        let said: Vec<&str> = outcome
            .reply
            .outputs
            .iter()
            .filter_map(|o| match o {
                Output::Say { text } | Output::Show { text, .. } => Some(text.as_str()),
                Output::Play { .. } => None,
            })
            .collect();
        let said = said.join(" ");
        if !said.contains(&turn.expect) {
            return Err(format!(
                "the flows in {} cannot hold the call the load simulates (the sign-up bot's: \
                 register, a name, a phone number, goodbye): at turn {}, when {what}, the bot \
                 should say something containing {:?} but says {said:?}. Run bench with the \
                 sign-up bot's flows (the default), or against your own server with --target",
                flows.display(),
                i + 1,
                turn.expect,
            ));
        }
        session = Some(outcome.session);
    }
    Ok(())
}

/// Runs the load tool.
///
/// # Errors
/// The server could not be started or reached, or the database could not be read.
pub fn run(args: &BenchArgs) -> Result<ExitCode, String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("cannot make a temp dir: {e}"))?;
    let (spawned, targets, pids, db) = if args.target.is_empty() {
        let exe = std::env::current_exe()
            .map_err(|e| format!("cannot find the switchboard binary: {e}"))?;
        let db = args
            .db
            .clone()
            .unwrap_or_else(|| Db::Sqlite(scratch.path().join("bench.db")));
        let mut extra = args.serve_args.clone();
        if let Some(flows) = &args.flows {
            rehearse(flows)?;
            extra.push("--flows".into());
            extra.push(flows.display().to_string());
        }
        if let Some(model) = &args.nlu_model {
            extra.push("--nlu-model".into());
            extra.push(model.display().to_string());
        }
        let log = scratch.path().join("server.log");
        let server = Spawned::start(&exe, &db.as_arg(), &log, &extra)?;
        let (addr, pid) = (server.addr, server.pid());
        (Some(server), vec![addr], vec![pid], Some(db))
    } else {
        let targets = args
            .target
            .iter()
            .map(|url| address(url))
            .collect::<Result<Vec<_>, _>>()?;
        (None, targets, args.pid.clone(), args.db.clone())
    };
    let pid = pids.first().copied();
    let cpu = CpuMeter {
        servers: pids,
        database: args.database_pid,
    };
    let load = Load {
        targets: targets.clone().into(),
        callers: usize::try_from(args.callers).unwrap_or(usize::MAX),
        think: Duration::from_millis(args.think_ms),
    };
    let baseline = !args.no_baseline;
    // The client runs on one thread: its cost per request stays small and predictable, and
    // the other core is the server's.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let run_id = run_id();
    let mut report = Report {
        callers: args.callers,
        think_ms: args.think_ms,
        calls_per_phase: args.calls,
        turns_per_call: call::TURNS,
        server: ServerInfo {
            address: targets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            pid,
            ready_ms: spawned.as_ref().and_then(|s| s.ready_ms),
            database: db.as_ref().map(ToString::to_string),
            errors_logged: None,
        },
        phases: Vec::new(),
        rounds: args.rounds,
        ratio_to_baseline: None,
        ratios_to_baseline: Vec::new(),
        ratio_with_open_calls: None,
        open_calls: args.open_calls,
        answers: None,
        memory: None,
        memory_with_open_calls: None,
    };
    // The whole-call rate the open-calls phase is compared with: the one measured just before.
    let mut last_whole = None;
    runtime.block_on(async {
        // Calls numbered from `first`: each round's calls are new calls, with CallSids of
        // their own, so every round's answers are checked.
        let calls = |phase: u32, first: u64| -> Arc<dyn Fn(u64) -> Call + Send + Sync> {
            Arc::new(move |i| call::registration(run_id.wrapping_add(phase), first + i))
        };
        for round in 1..=args.rounds {
            let first = u64::from(round - 1) * args.calls;
            let suffix = if args.rounds > 1 {
                format!(" #{round}")
            } else {
                String::new()
            };
            let mut baseline_rate = None;
            if baseline {
                let fixed: Arc<dyn Fn(u64) -> Call + Send + Sync> = Arc::new(move |i| {
                    call::to_fixed(&call::registration(run_id, first + i), "/bench/fixed")
                });
                let name = format!("fixed TwiML (baseline){suffix}");
                let p = measured(
                    &name,
                    load.clone(),
                    args.calls,
                    call::TURNS,
                    fixed,
                    args,
                    &cpu,
                )
                .await;
                baseline_rate = Some(p.turns_per_sec);
                report.phases.push(p);
            }
            let name = format!("whole calls{suffix}");
            let whole = measured(
                &name,
                load.clone(),
                args.calls,
                call::TURNS,
                calls(1, first),
                args,
                &cpu,
            )
            .await;
            if let Some(ratio) = ratio(Some(whole.turns_per_sec), baseline_rate) {
                report.ratios_to_baseline.push(ratio);
            }
            last_whole = Some(whole.turns_per_sec);
            report.phases.push(whole);
        }
        if args.open_calls > 0 {
            // Each opened call greets, asks to register and is left waiting at "What is your
            // name?": a live session in the database, as during a busy hour.
            let name = format!("opening {} calls", args.open_calls);
            let opened = measured(
                &name,
                load.clone(),
                args.open_calls,
                2,
                calls(2, 0),
                args,
                &cpu,
            )
            .await;
            report.phases.push(opened);
            report.memory_with_open_calls = pid.and_then(Memory::of);
            let name = format!("whole calls, {} open", args.open_calls);
            let p = measured(
                &name,
                load.clone(),
                args.calls,
                call::TURNS,
                calls(3, 0),
                args,
                &cpu,
            )
            .await;
            report.phases.push(p);
        }
    });
    report.memory = pid.and_then(Memory::of);
    report.server.errors_logged = spawned.as_ref().map(Spawned::errors_logged);
    let with_open = report
        .phases
        .iter()
        .find(|p| p.name.starts_with("whole calls,"))
        .map(|p| p.turns_per_sec);
    report.ratio_to_baseline = median(&report.ratios_to_baseline);
    report.ratio_with_open_calls = ratio(with_open, last_whole);
    if let Some(db) = &db {
        let acknowledged: Vec<_> = report
            .phases
            .iter()
            .filter(|p| p.name.starts_with("whole calls"))
            .flat_map(|p| p.acknowledged.iter().cloned())
            .collect();
        report.answers = Some(runtime.block_on(load::verify(db, &acknowledged))?);
    }
    drop(spawned);
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{json}");
    } else {
        print!("{}", render(&report));
    }
    let failed = report.phases.iter().any(|p| p.errors > 0)
        || report
            .answers
            .is_some_and(|a| a.missing > 0 || a.duplicated > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `a / b`, when both were measured and `b` is not zero.
fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// The middle value (the mean of the middle two for an even count); None for none.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[mid]),
        _ => Some((sorted[mid - 1] + sorted[mid]) / 2.0),
    }
}

/// Runs a phase with a progress bar on stderr (hidden when stderr is not a terminal).
async fn measured(
    name: &str,
    load: Load,
    count: u64,
    turns: usize,
    calls: Arc<dyn Fn(u64) -> Call + Send + Sync>,
    args: &BenchArgs,
    cpu: &CpuMeter,
) -> Phase {
    use indicatif::{ProgressBar, ProgressStyle};
    let total = count * turns as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:28} [{bar:30}] {human_pos}/{human_len} turns, {msg}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(name.to_owned());
    let progress: Progress = Arc::new(AtomicU64::new(0));
    let watched = Arc::clone(&progress);
    let drawn = bar.clone();
    // The bar is redrawn ten times a second from the counter, never from the callers' path.
    let ticker = tokio::spawn(async move {
        let started = std::time::Instant::now();
        loop {
            let done = watched.load(std::sync::atomic::Ordering::Relaxed);
            #[allow(clippy::cast_precision_loss)]
            let rate = done as f64 / started.elapsed().as_secs_f64().max(1e-3);
            drawn.set_message(format!("{rate:.0} turns/s"));
            drawn.set_position(done);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let before = cpu.sample();
    let mut phase = load::phase(name, load, count, turns, calls, progress).await;
    let after = cpu.sample();
    ticker.abort();
    #[allow(clippy::cast_precision_loss)]
    let per_turn = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) if phase.turns > 0 => {
            Some(b.saturating_sub(a).as_secs_f64() * 1e6 / phase.turns as f64)
        }
        _ => None,
    };
    phase.server_cpu_us_per_turn = per_turn(before.0, after.0);
    phase.database_cpu_us_per_turn = per_turn(before.1, after.1);
    bar.finish_and_clear();
    if !args.json {
        eprintln!(
            "{name}: {} turns in {:.1} s, {} errors",
            phase.turns, phase.seconds, phase.errors
        );
    }
    phase
}

/// Reads the CPU time used by the servers under load and the database server.
struct CpuMeter {
    servers: Vec<u32>,
    database: Option<u32>,
}

impl CpuMeter {
    /// The servers' CPU so far (None without pids, or off Linux) and the database's.
    fn sample(&self) -> (Option<Duration>, Option<Duration>) {
        let servers = (!self.servers.is_empty())
            .then(|| server::cpu_of(&self.servers))
            .flatten();
        (servers, self.database.and_then(server::cpu_of_tree))
    }
}

/// The report as a table and a few sentences.
fn render(report: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nswitchboard bench: {} callers, think {} ms, {} calls of {} turns per phase{}",
        report.callers,
        report.think_ms,
        report.calls_per_phase,
        report.turns_per_call,
        if report.rounds > 1 {
            format!(", {} rounds", report.rounds)
        } else {
            String::new()
        }
    );
    let server = &report.server;
    let _ = writeln!(
        out,
        "server {}{}{}{}\n",
        server.address,
        server.pid.map(|p| format!(", pid {p}")).unwrap_or_default(),
        server
            .ready_ms
            .map(|ms| format!(", ready in {ms} ms"))
            .unwrap_or_default(),
        server
            .database
            .as_ref()
            .map(|db| format!(", database {db}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "{:<30} {:>8} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "phase",
        "turns",
        "errors",
        "turns/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "server µs",
        "db µs"
    );
    let us = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
    for p in &report.phases {
        let l = &p.latency;
        let _ = writeln!(
            out,
            "{:<30} {:>8} {:>7} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>10} {:>10}",
            p.name,
            p.turns,
            p.errors,
            p.turns_per_sec,
            l.p50_ms,
            l.p95_ms,
            l.p99_ms,
            l.max_ms,
            us(p.server_cpu_us_per_turn),
            us(p.database_cpu_us_per_turn)
        );
    }
    if report
        .phases
        .iter()
        .any(|p| p.server_cpu_us_per_turn.is_some() || p.database_cpu_us_per_turn.is_some())
    {
        let _ = writeln!(
            out,
            "(server µs, db µs: CPU time per turn answered, of the servers under load and of the database server)"
        );
    }
    out.push('\n');
    if let Some(r) = report.ratio_to_baseline {
        let rounds = match report.ratios_to_baseline.as_slice() {
            [_] | [] => String::new(),
            each => {
                let each: Vec<String> = each.iter().map(|r| format!("{:.1}%", r * 100.0)).collect();
                format!("median of {} rounds: {}; ", each.len(), each.join(", "))
            }
        };
        let _ = writeln!(
            out,
            "whole calls: {:.1}% of the fixed-TwiML baseline's throughput ({rounds}same server, same run)",
            r * 100.0
        );
    }
    if let Some(r) = report.ratio_with_open_calls {
        let _ = writeln!(
            out,
            "with {} calls open: {:.1}% of the throughput without",
            report.open_calls,
            r * 100.0
        );
    }
    match report.answers {
        Some(a) => {
            let _ = writeln!(
                out,
                "answers: {} of {} acknowledged calls saved exactly once ({} missing, {} duplicated)",
                a.saved, a.checked, a.missing, a.duplicated
            );
        }
        None => {
            let _ = writeln!(out, "answers: not checked (give --db to check them)");
        }
    }
    let mb = |bytes: u64| {
        #[allow(clippy::cast_precision_loss)]
        let mb = bytes as f64 / (1024.0 * 1024.0);
        mb
    };
    if let Some(m) = report.memory_with_open_calls {
        let _ = writeln!(
            out,
            "server memory with {} calls open: {:.1} MB resident",
            report.open_calls,
            mb(m.rss)
        );
    }
    match report.memory {
        Some(m) => {
            let _ = writeln!(
                out,
                "server memory: {:.1} MB resident at the end, {:.1} MB at peak",
                mb(m.rss),
                mb(m.peak)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "server memory: unknown (Linux only; give --pid for --target)"
            );
        }
    }
    if let Some(n) = server.errors_logged {
        let _ = writeln!(out, "server errors logged: {n}");
    }
    for p in &report.phases {
        for example in &p.error_examples {
            let _ = writeln!(out, "error in {}: {example}", p.name);
        }
    }
    out
}

/// `http://host:port` (or `host:port`) to a socket address.
fn address(url: &str) -> Result<SocketAddr, String> {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .trim_end_matches('/');
    if url.starts_with("https://") {
        return Err("--target: the load tool speaks plain HTTP over loopback; use http://".into());
    }
    rest.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("--target {url:?}: expected http://HOST:PORT"))
}

/// A number unique to this run, so its CallSids never meet an earlier run's in a kept database.
fn run_id() -> u32 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // Milliseconds, not seconds: two runs in one second (one that failed at once, say) must
    // not share CallSids. Only the low 30 bits are kept (they wrap every 12 days, far past a
    // run's life); four phases per run step by one each.
    let millis = now.as_millis() & 0x3fff_ffff;
    u32::try_from(millis).unwrap_or(0).wrapping_mul(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_odd_and_even_counts_and_of_nothing() {
        assert_eq!(median(&[0.5, 0.3, 0.9]), Some(0.5));
        assert_eq!(median(&[0.6, 0.4]), Some(0.5));
        assert_eq!(median(&[0.7]), Some(0.7));
        assert_eq!(median(&[]), None);
    }
}
