//! Dialogue engine cost: one `switchboard::engine::step`, with no I/O.
//!
//! Why: `step` is the pure part of every webhook (routing, questions, answers, the reply); the
//! rest of a turn is SQLite and HTTP. Knowing its cost separates "the engine is slow" from "the
//! store or the network is slow" when a turn takes too long.
//!
//! What: the repository's own sign-up bot (`flows/`) is loaded once with `flow::load_dir`, and a
//! voice call (`Caller { key: "CA1", channel: Voice }`) at a fixed UTC time is stepped through:
//! - `first_turn`: the call arrives (`session: None`, `Input::Start`): the greeting;
//! - `route_at_greeting`: at the greeting, the caller says "I'd like to register": the matcher
//!   routes it and the register task asks its first question;
//! - `answer_question`: the caller answers "What is your name?" with "my name is Jason": the
//!   FIRST_NAME parser accepts it and the next question is asked.
//!
//! - `answer_after_sensitive`: the same answer, but in a copy of the bot whose name question is
//!   `"sensitive": true`: a sensitive answer is not repeated in the call history, and every
//!   way the bot could say it is looked for there, so this is what that care costs a turn.
//!   (The next question is asked after it, so the step has a reply to scrub.)
//!
//! The sessions each step starts from come from running the earlier steps in setup. Each
//! iteration times `step` alone: the session clone going in and dropping the outcome are done
//! outside the timed region (`iter_batched`). Setup prints what each step replied, to show the
//! intended path is measured.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use switchboard::engine::{Caller, Channel, Input, Outcome, Output, Session, step};
use switchboard::flow::{Assistant, load_dir};

fn speech(text: &str) -> Input {
    Input::Speech {
        text: text.into(),
        confidence: Some(0.92),
        embedding: None,
    }
}

/// What the bot said, for the setup report.
fn said(outcome: &Outcome) -> String {
    outcome
        .reply
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Say { text } => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn bench_step(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    assistant: &Assistant,
    session: Option<&Session>,
    input: &Input,
    caller: &Caller,
    now: DateTime<Utc>,
) {
    group.bench_function(name, |b| {
        b.iter_batched(
            || (session.cloned(), input.clone()),
            |(session, input)| step(assistant, session, input, caller, now),
            BatchSize::SmallInput,
        );
    });
}

fn engine(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    let assistant = load_dir(&dir).expect("the repository's flows load");
    let caller = Caller {
        key: "CA1".into(),
        channel: Channel::Voice,
        ..Caller::default()
    };
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 13, 0, 0)
        .single()
        .expect("valid time");

    // Setup: walk the call to each starting point once.
    let greeted = step(&assistant, None, Input::Start, &caller, now);
    eprintln!("engine first_turn: {:?}", said(&greeted));
    let register = speech("I'd like to register");
    let asked = step(
        &assistant,
        Some(greeted.session.clone()),
        register.clone(),
        &caller,
        now,
    );
    eprintln!(
        "engine route_at_greeting: routed {:?}, said {:?}",
        asked.routed,
        said(&asked)
    );
    let name = speech("my name is Jason");
    let answered = step(
        &assistant,
        Some(asked.session.clone()),
        name.clone(),
        &caller,
        now,
    );
    eprintln!(
        "engine answer_question: said {:?}, {} effects",
        said(&answered),
        answered.effects.len()
    );

    let mut group = c.benchmark_group("step");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    let start = Input::Start;
    bench_step(
        &mut group,
        "first_turn",
        &assistant,
        None,
        &start,
        &caller,
        now,
    );
    bench_step(
        &mut group,
        "route_at_greeting",
        &assistant,
        Some(&greeted.session),
        &register,
        &caller,
        now,
    );
    bench_step(
        &mut group,
        "answer_question",
        &assistant,
        Some(&asked.session),
        &name,
        &caller,
        now,
    );

    // The same bot with its name question sensitive, walked to the same point.
    let copy = tempfile::tempdir().expect("temp dir");
    copy_dir(&dir, copy.path());
    let register_file = copy.path().join("tasks/register.json");
    let text = std::fs::read_to_string(&register_file).expect("register.json");
    let marked = text.replacen(
        r#""name": "user_name","#,
        r#""name": "user_name", "sensitive": true,"#,
        1,
    );
    assert_ne!(marked, text, "the name question is marked sensitive");
    std::fs::write(&register_file, marked).expect("write");
    let sensitive = load_dir(copy.path()).expect("the copy loads");
    let greeted = step(&sensitive, None, Input::Start, &caller, now);
    let asked = step(&sensitive, Some(greeted.session), register, &caller, now);
    let answered = step(
        &sensitive,
        Some(asked.session.clone()),
        name.clone(),
        &caller,
        now,
    );
    eprintln!("engine answer_after_sensitive: said {:?}", said(&answered));
    bench_step(
        &mut group,
        "answer_after_sensitive",
        &sensitive,
        Some(&asked.session),
        &name,
        &caller,
        now,
    );
    group.finish();
}

/// Copies a flows folder (files and subfolders) to `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
