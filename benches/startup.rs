//! Start-up cost: what `switchboard serve` does with the flows before it opens the port.
//!
//! Why: a restart (deploy, crash, config change) drops calls until the server listens again,
//! and a 1,000-task assistant must be ready in under 300 ms on a small 2-core machine. Loading
//! the flows is the part of start-up that grows with the assistant: reading every task file,
//! parsing and validating its JSON, compiling actions, building speech hints and indexing every
//! sample in the intent matcher (`Matcher::new`, benched on its own in `benches/matcher.rs`).
//!
//! What: the synthetic assistants of `benches/matcher.rs` (same generator and seeds, in
//! `benches/common/mod.rs`), 150 tasks × 10 samples and 1000 × 20, are written once as real
//! flows folders in a temp dir: `assistant.json` and `tasks/<name>.json` in the format of the
//! repository's `flows/`, plus a greeting and a fallback task without samples; tasks say
//! something, then listen, ask a question or listen to a few other tasks (see
//! `common::write_flows`). Timed, per size:
//! - `load_dir`: `switchboard::flow::load_dir(path)` end to end, as `serve --flows DIR` calls
//!   it: read files, parse, validate, compile, build the matcher. The files are in the OS page
//!   cache after the first iteration, as they usually are on a restart.
//! - `read`: only reading the files (`flow::source::read_dir`);
//! - `load`: only `flow::load` on files already in memory (everything but the I/O).
//!
//! - `serve_ready`: the whole `switchboard serve --flows DIR` process, from spawning it to the
//!   log line saying it listens (flows, a new SQLite database in a temp dir, the port bound),
//!   which is what the "start-up under 300 ms" is about.
//!
//! The first three together show whether time goes to the disk, to the loader or to the matcher
//! (the matcher's share is `build` in `benches/matcher.rs`).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use switchboard::flow;

mod common;
use common::{assistant, seed_for, slow_group, write_flows};

/// Sizes benchmarked: (tasks, samples per task).
const SIZES: [(usize, usize); 2] = [(150, 10), (1000, 20)];

fn startup(c: &mut Criterion) {
    let mut group = slow_group(c, "startup");
    for (tasks, samples) in SIZES {
        let name = format!("{tasks}x{samples}");
        let dir = tempfile::tempdir().expect("temp dir");
        let data = assistant(tasks, samples, seed_for(tasks, samples));
        write_flows(dir.path(), &data).expect("write the flows folder");
        // Setup check, not timed: the folder loads, with every task.
        let loaded = flow::load_dir(dir.path()).expect("the generated flows load");
        assert_eq!(loaded.tasks.len(), tasks + 2);
        drop(loaded);

        group.bench_with_input(
            BenchmarkId::new("load_dir", &name),
            dir.path(),
            |b, path| {
                b.iter(|| flow::load_dir(black_box(path)).expect("loads"));
            },
        );
        group.bench_with_input(BenchmarkId::new("read", &name), dir.path(), |b, path| {
            b.iter(|| flow::source::read_dir(black_box(path)).expect("reads"));
        });
        let files = flow::source::read_dir(dir.path()).expect("reads");
        group.bench_with_input(BenchmarkId::new("load", &name), &files, |b, files| {
            b.iter(|| flow::load(black_box(files)).expect("loads"));
        });
        group.bench_with_input(
            BenchmarkId::new("serve_ready", &name),
            dir.path(),
            |b, path| b.iter(|| serve_until_listening(path)),
        );
    }
    group.finish();
}

/// Starts `switchboard serve` on `flows` and a fresh database, waits for it to listen, stops it.
fn serve_until_listening(flows: &std::path::Path) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let db = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--listen", "127.0.0.1:0", "--flows"])
        .arg(flows)
        .arg("--db")
        .arg(db.path().join("bench.db"))
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut log = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        assert!(log.read_line(&mut line).expect("reads") > 0, "exited early");
    }
    child.kill().expect("stops");
    child.wait().expect("reaped");
}

criterion_group!(benches, startup);
criterion_main!(benches);
