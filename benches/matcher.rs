//! Intent matcher cost: `Matcher::classify` and `Matcher::new` on synthetic assistants.
//!
//! Why: every caller turn that is not an answer to a question goes through `classify`, inside
//! Twilio's 15 s webhook budget, and `Matcher::new` runs whenever flows are loaded. The issue's
//! targets are classify ≤ 50 µs for 150 tasks × 10 samples, growing sub-linearly up to
//! 1000 tasks × 20 samples, and indexing 1000 tasks well under a second.
//!
//! What: assistants of 15×10, 150×10 and 1000×20 (tasks × samples) are generated
//! deterministically (a fixed-seed xorshift, no `rand`; the generator is in
//! `benches/common/mod.rs`, shared with `benches/startup.rs`) from a vocabulary of a few hundred
//! English words: each task gets three "topic" words from the domain list, and each of its
//! samples is 3–9 words: a carrier phrase ("i'd like to", "can you"…), one to three topic
//! words joined by function words, sometimes one unrelated domain word. `classify` is timed on
//! three kinds of utterance, each a rotation over 100 inputs drawn from random tasks (one
//! iteration = one `classify` call):
//! - `verbatim`: a sample exactly as written;
//! - `typo_drop`: a sample with one word dropped and a typo (one edit) in its longest word;
//! - `out_of_scope`: carrier phrases and words that appear in no sample ("what is the weather
//!   in paris").
//!
//! `Matcher::new` is timed for 150×10 and 1000×20 (the 15×10 build is included for scale).
//! Setup also prints, once per size, how the matcher decided on each kind of input, so the
//! inputs are known to exercise the intended paths (matched / declined).

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use switchboard::nlu::matcher::{Matcher, MatcherConfig};

mod common;
use common::{CARRIERS, CONNECTORS, DOMAIN, FUNCTION, Rng, assistant, seed_for, slow_group};

/// Sizes benchmarked: (tasks, samples per task).
const SIZES: [(usize, usize); 3] = [(15, 10), (150, 10), (1000, 20)];
/// Inputs per utterance kind; `classify` rotates through them.
const INPUTS: usize = 100;

/// Words appearing in no sample (checked at setup), for out-of-scope requests.
const OUT_OF_SCOPE: &[&str] = &[
    "weather",
    "capital",
    "france",
    "paris",
    "jazz",
    "football",
    "score",
    "recipe",
    "lasagna",
    "president",
    "planet",
    "guitar",
    "volcano",
    "penguin",
    "poem",
    "joke",
    "dinosaur",
    "galaxy",
    "painting",
    "symphony",
    "election",
    "marathon",
    "chess",
    "knitting",
    "astronaut",
    "moon",
    "ocean",
    "river",
    "mountain",
    "forest",
    "elephant",
    "giraffe",
    "poetry",
    "novel",
    "sculpture",
    "telescope",
    "rainbow",
    "thunder",
    "snowman",
    "pirate",
    "wizard",
    "dragon",
    "castle",
    "kingdom",
    "emperor",
    "pyramid",
    "glacier",
    "desert",
    "jungle",
    "butterfly",
];

/// Openings of out-of-scope requests.
const OOS_CARRIERS: &[&str] = &[
    "what is the",
    "tell me about the",
    "who won the",
    "play some",
    "how tall is the",
    "why is the",
    "sing me a",
    "",
];

/// A sample with one word dropped (when it has more than two) and one edit in its longest word.
fn typo_and_drop(rng: &mut Rng, sample: &str) -> String {
    let mut words: Vec<String> = sample.split_whitespace().map(str::to_owned).collect();
    let longest = (0..words.len())
        .max_by_key(|&i| (words[i].len(), usize::MAX - i))
        .unwrap_or(0);
    let word: Vec<char> = words[longest].chars().collect();
    if word.len() >= 4 {
        let at = 1 + rng.below(word.len() - 2);
        let mut edited = word.clone();
        match rng.below(3) {
            0 => {
                edited.remove(at);
            }
            1 => edited.swap(at, at + 1),
            _ => edited[at] = if word[at] == 'e' { 'a' } else { 'e' },
        }
        words[longest] = edited.into_iter().collect();
    }
    if words.len() > 2 {
        let mut drop = rng.below(words.len() - 1);
        if drop >= longest {
            drop += 1;
        }
        words.remove(drop);
    }
    words.join(" ")
}

/// An out-of-scope request: a carrier phrase and two or three words no sample has.
fn out_of_scope(rng: &mut Rng) -> String {
    let mut words: Vec<&str> = rng.pick(OOS_CARRIERS).split_whitespace().collect();
    let n = 2 + rng.below(2);
    for i in 0..n {
        if i > 0 && rng.below(2) == 0 {
            words.push(rng.pick(&["in", "of", "and", "on"]));
        }
        words.push(rng.pick(OUT_OF_SCOPE));
    }
    words.join(" ")
}

/// The three input sets for an assistant: (task each came from, utterance).
struct Inputs {
    verbatim: Vec<(usize, String)>,
    typo_drop: Vec<(usize, String)>,
    out_of_scope: Vec<String>,
}

fn inputs(tasks: &[Vec<String>], seed: u64) -> Inputs {
    let mut rng = Rng::new(seed);
    let mut verbatim = Vec::new();
    let mut typo_drop = Vec::new();
    for _ in 0..INPUTS {
        let task = rng.below(tasks.len());
        let s = &tasks[task][rng.below(tasks[task].len())];
        verbatim.push((task, s.clone()));
        let task = rng.below(tasks.len());
        let s = &tasks[task][rng.below(tasks[task].len())];
        typo_drop.push((task, typo_and_drop(&mut rng, s)));
    }
    let out_of_scope = (0..INPUTS).map(|_| out_of_scope(&mut rng)).collect();
    Inputs {
        verbatim,
        typo_drop,
        out_of_scope,
    }
}

/// Prints, once, how the matcher decided on each input kind: not timed, a check that the
/// inputs take the paths they are meant to.
fn report(name: &str, matcher: &Matcher, inputs: &Inputs) {
    let correct = |set: &[(usize, String)]| {
        set.iter()
            .filter(|(task, u)| matcher.classify(u, None).task == Some(*task))
            .count()
    };
    let declined = inputs
        .out_of_scope
        .iter()
        .filter(|u| matcher.classify(u, None).task.is_none())
        .count();
    eprintln!(
        "matcher {name}: verbatim → own task {}/{INPUTS}; typo_drop → own task {}/{INPUTS}; \
         out_of_scope → declined {declined}/{INPUTS}",
        correct(&inputs.verbatim),
        correct(&inputs.typo_drop),
    );
}

fn classify(c: &mut Criterion) {
    let vocabulary: HashSet<&str> = DOMAIN
        .iter()
        .chain(FUNCTION)
        .chain(CONNECTORS)
        .copied()
        .chain(CARRIERS.iter().flat_map(|c| c.split_whitespace()))
        .collect();
    assert!(
        OUT_OF_SCOPE.iter().all(|w| !vocabulary.contains(w)),
        "out-of-scope words must appear in no sample"
    );

    let mut group = c.benchmark_group("classify");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    for (tasks, samples) in SIZES {
        let name = format!("{tasks}x{samples}");
        let data = assistant(tasks, samples, seed_for(tasks, samples));
        let matcher = Matcher::new(&data, MatcherConfig::default());
        let inputs = inputs(&data, 0xC0FFEE ^ tasks as u64);
        report(&name, &matcher, &inputs);

        let sets: [(&str, Vec<&str>); 3] = [
            (
                "verbatim",
                inputs.verbatim.iter().map(|(_, u)| u.as_str()).collect(),
            ),
            (
                "typo_drop",
                inputs.typo_drop.iter().map(|(_, u)| u.as_str()).collect(),
            ),
            (
                "out_of_scope",
                inputs.out_of_scope.iter().map(String::as_str).collect(),
            ),
        ];
        for (kind, utterances) in &sets {
            group.bench_with_input(BenchmarkId::new(*kind, &name), utterances, |b, us| {
                let mut i = 0;
                b.iter(|| {
                    let u = us[i % us.len()];
                    i += 1;
                    matcher.classify(black_box(u), None)
                });
            });
        }
    }
    group.finish();
}

fn build(c: &mut Criterion) {
    let mut group = slow_group(c, "build");
    for (tasks, samples) in SIZES {
        let name = format!("{tasks}x{samples}");
        let data = assistant(tasks, samples, seed_for(tasks, samples));
        group.bench_with_input(BenchmarkId::from_parameter(&name), &data, |b, data| {
            b.iter(|| Matcher::new(black_box(data), MatcherConfig::default()));
        });
    }
    group.finish();
}

criterion_group!(benches, classify, build);
criterion_main!(benches);
