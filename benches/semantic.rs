//! The sentence-embedding model's cost (`--nlu-model`): one utterance's forward pass, a whole
//! `classify` with the model beside the same `classify` string-only, and loading an assistant
//! with the model (every sample embedded, the threshold calibrated).
//!
//! Why: with a model every routed turn pays a forward pass; the bound is 25 ms per
//! utterance on 2 cores (target 10 ms), and a model must not make loading take minutes.
//!
//! The model is not in the repository: the bench reads `$SWITCHBOARD_NLU_MODEL`, else
//! `target/nlu-model/model` (`.ci/fetch-model` puts it there), and does nothing without it.
//! Assistants are the matcher bench's synthetic ones (`benches/common`).

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use switchboard::nlu::embedding::Model;
use switchboard::nlu::matcher::{Matcher, MatcherConfig};

mod common;
use common::{assistant, seed_for, slow_group};

fn model() -> Option<Arc<Model>> {
    let dir = std::env::var_os("SWITCHBOARD_NLU_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/nlu-model/model")
        });
    if !dir.join("model.safetensors").is_file() {
        eprintln!(
            "no model at {}: nothing to measure (run .ci/fetch-model)",
            dir.display()
        );
        return None;
    }
    Some(Arc::new(Model::load(&dir).expect("the model loads")))
}

fn semantic(c: &mut Criterion) {
    let Some(model) = model() else { return };
    // A 10-token turn (with [CLS] and [SEP]), as a caller would say it.
    let utterance = "i need to move my flight to friday please";
    eprintln!(
        "tokens: {}",
        model.token_ids(utterance).expect("tokenises").len()
    );
    c.bench_function("embed/one_utterance", |b| {
        b.iter(|| model.embed(black_box(utterance)).expect("embeds"))
    });

    let tasks = assistant(150, 10, seed_for(150, 10));
    let strings = Matcher::new(&tasks, MatcherConfig::default());
    let fused = Matcher::with_model(&tasks, MatcherConfig::default(), Arc::clone(&model))
        .expect("embeds the samples");
    let said = tasks[7][3].clone();
    c.bench_function("classify/150x10/string_only", |b| {
        b.iter(|| strings.classify(black_box(&said), None))
    });
    c.bench_function("classify/150x10/with_model", |b| {
        b.iter(|| fused.classify(black_box(&said), None))
    });

    let mut group = slow_group(c, "load_with_model");
    for (n, k) in [(15, 10), (150, 10)] {
        let tasks = assistant(n, k, seed_for(n, k));
        group.bench_function(format!("{n}x{k}"), |b| {
            b.iter(|| {
                Matcher::with_model(&tasks, MatcherConfig::default(), Arc::clone(&model))
                    .expect("embeds the samples")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, semantic);
criterion_main!(benches);
