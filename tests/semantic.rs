//! The optional sentence-embedding model (`--nlu-model`): its forward pass against reference
//! embeddings computed once with sentence-transformers, load errors, and what it adds to the
//! matcher: paraphrases that share no word with the samples.
//!
//! The model is not in the repository (README, "Semantic matching"). Tests that need it look in
//! `$SWITCHBOARD_NLU_MODEL`, else `target/nlu-model/model` (where `.ci/run` unpacks it); without
//! it they skip and say so, except in CI (`CI=true`), where a missing model is a failure.

use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;
use common::folder;
use common::process::{self, Server, bin};

use switchboard::nlu::embedding::{Model, ModelError};
use switchboard::nlu::matcher::{Matcher, MatcherConfig};

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SWITCHBOARD_NLU_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/nlu-model/model"));
    if dir.join("model.safetensors").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "no sentence-embedding model at {} in CI: .ci/run should have unpacked it",
            dir.display()
        );
    }
    eprintln!(
        "skipped: no sentence-embedding model at {} (set SWITCHBOARD_NLU_MODEL; README, \
         \"Semantic matching\")",
        dir.display()
    );
    None
}

fn model() -> Option<Arc<Model>> {
    static MODEL: std::sync::OnceLock<Option<Arc<Model>>> = std::sync::OnceLock::new();
    MODEL
        .get_or_init(|| {
            model_dir().map(|dir| Arc::new(Model::load(&dir).expect("the test model loads")))
        })
        .clone()
}

#[derive(serde::Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    token_ids: Vec<u32>,
    embedding: Vec<f32>,
}

#[test]
fn the_forward_pass_reproduces_the_reference_embeddings() {
    let Some(model) = model() else { return };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/embedding/minilm.json");
    let reference: Reference =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let texts: Vec<&str> = reference.cases.iter().map(|c| c.text.as_str()).collect();
    // One at a time and batched (padded) must agree with the reference alike.
    let batched = model.embed_all(&texts).unwrap();
    for (case, together) in reference.cases.iter().zip(&batched) {
        assert_eq!(
            model.token_ids(&case.text).unwrap(),
            case.token_ids,
            "{}",
            case.text
        );
        let alone = model.embed(&case.text).unwrap();
        for got in [&alone, together] {
            assert_eq!(got.len(), case.embedding.len());
            let worst = got
                .iter()
                .zip(&case.embedding)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 2e-6, "{:?}: off by up to {worst}", case.text);
        }
    }
}

#[derive(serde::Deserialize)]
struct Paraphrases {
    tasks: std::collections::BTreeMap<String, Vec<String>>,
    paraphrases: Vec<(String, String)>,
}

#[test]
fn the_model_routes_paraphrases_that_string_matching_cannot() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/embedding/paraphrases.json");
    let data: Paraphrases = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let names: Vec<&String> = data.tasks.keys().collect();
    let samples: Vec<Vec<String>> = data.tasks.values().cloned().collect();
    let id = |name: &str| names.iter().position(|n| *n == name).unwrap();
    // (ranked first, routed) of the set by a matcher.
    let tally = |matcher: &Matcher| {
        let classes: Vec<_> = data
            .paraphrases
            .iter()
            .map(|(text, task)| (matcher.classify(text, None), id(task)))
            .collect();
        let ranked = classes
            .iter()
            .filter(|(c, t)| c.best.map(|b| b.0) == Some(*t))
            .count();
        let routed = classes.iter().filter(|(c, t)| c.task == Some(*t)).count();
        (ranked, routed)
    };
    let n = data.paraphrases.len();
    // The set is what it claims to be: string matching routes almost none of it.
    let strings = tally(&Matcher::new(&samples, MatcherConfig::default()));
    eprintln!("string matching: {strings:?} of {n} (ranked first, routed)");
    assert!(
        strings.1 <= 2,
        "string matching routes {}: not a paraphrase set",
        strings.1
    );
    let Some(model) = model() else { return };
    let semantic = Matcher::with_model(&samples, MatcherConfig::default(), model).unwrap();
    for (text, _) in &data.paraphrases {
        let parts = semantic.classify(text, None).parts;
        assert!(parts.is_some(), "{text:?}: both scores are reported");
    }
    let with_model = tally(&semantic);
    eprintln!("with the model: {with_model:?} of {n} (ranked first, routed)");
    // Measured: string matching ranks 4 first and routes 1; with the model 9 are ranked first
    // ("do you charge for an extra holdall" goes to refunds) and 4 routed: the others are
    // declined, their confidence below what this five-task bot calibrates to.
    assert!(with_model.0 >= 9, "{with_model:?}");
    assert!(with_model.1 >= 4, "{with_model:?}");
    // Out of scope stays out of scope.
    for text in [
        "what's the capital of France",
        "sing me a song",
        "order a large pizza",
    ] {
        let class = semantic.classify(text, None);
        assert_eq!(class.task, None, "{text:?}: {class:?}");
    }
}

const CONFIG: &str = r#"{"model_type": "bert", "vocab_size": 8, "hidden_size": 4,
    "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8,
    "max_position_embeddings": 16}"#;
const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\n";

fn load_error(dir: &Path) -> String {
    match Model::load(dir) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e @ ModelError::File { .. }) => e.to_string(),
        Err(e) => panic!("not a file error: {e}"),
    }
}

#[test]
fn a_folder_that_is_not_a_supported_model_is_refused_naming_the_file_and_the_fix() {
    let missing = Path::new("/nonexistent/model");
    let message = load_error(missing);
    assert!(
        message.starts_with("/nonexistent/model: is not a folder"),
        "{message}"
    );
    assert!(message.contains("Semantic matching"), "{message}");

    let empty = folder(&[]);
    let message = load_error(empty.path());
    assert!(message.contains("config.json: cannot be read"), "{message}");

    let other = folder(&[("config.json", &CONFIG.replace("\"bert\"", "\"mpnet\""))]);
    let message = load_error(other.path());
    assert!(message.contains("model_type is \"mpnet\""), "{message}");

    let wrong_dim = folder(&[
        ("config.json", CONFIG),
        (
            "1_Pooling/config.json",
            r#"{"word_embedding_dimension": 384, "pooling_mode_mean_tokens": true}"#,
        ),
    ]);
    let message = load_error(wrong_dim.path());
    assert!(message.contains("1_Pooling/config.json: word_embedding_dimension is 384 but config.json's hidden_size is 4"), "{message}");

    let no_tokenizer = folder(&[("config.json", CONFIG)]);
    let message = load_error(no_tokenizer.path());
    assert!(
        message.contains("tokenizer.json: is missing, and so is vocab.txt"),
        "{message}"
    );

    let no_weights = folder(&[("config.json", CONFIG), ("vocab.txt", VOCAB)]);
    let message = load_error(no_weights.path());
    assert!(
        message.contains("model.safetensors: is missing"),
        "{message}"
    );

    let bad_weights = folder(&[
        ("config.json", CONFIG),
        ("vocab.txt", VOCAB),
        ("model.safetensors", "not weights"),
    ]);
    let message = load_error(bad_weights.path());
    assert!(
        message.contains("model.safetensors: is not a readable safetensors file"),
        "{message}"
    );
}

#[test]
fn weights_that_disagree_with_the_config_are_refused() {
    let Some(dir) = model_dir() else { return };
    // The real weights with a config claiming another size.
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    let config = config.replace("\"intermediate_size\": 1536", "\"intermediate_size\": 1024");
    let copy = folder(&[
        ("config.json", &config),
        (
            "vocab.txt",
            &std::fs::read_to_string(dir.join("vocab.txt")).unwrap(),
        ),
    ]);
    std::fs::copy(
        dir.join("model.safetensors"),
        copy.path().join("model.safetensors"),
    )
    .unwrap();
    let message = load_error(copy.path());
    assert!(
        message.contains("model.safetensors: does not match config.json"),
        "{message}"
    );
}

#[derive(serde::Deserialize)]
struct CalibData {
    assistants: Vec<CalibAssistant>,
    oos: Vec<String>,
}

#[derive(serde::Deserialize)]
struct CalibAssistant {
    tasks: std::collections::BTreeMap<String, CalibTask>,
}

#[derive(serde::Deserialize)]
struct CalibTask {
    train: Vec<String>,
    test: Vec<String>,
}

/// (held-out requests routed right, out-of-scope requests declined) on one assistant.
fn tally(matcher: &Matcher, assistant: &CalibAssistant, oos: &[String]) -> (usize, usize) {
    let routed = assistant
        .tasks
        .values()
        .enumerate()
        .flat_map(|(id, task)| task.test.iter().map(move |t| (id, t)))
        .filter(|(id, text)| matcher.classify(text, None).task == Some(*id))
        .count();
    let declined = oos
        .iter()
        .filter(|text| matcher.classify(text, None).task.is_none())
        .count();
    (routed, declined)
}

#[test]
fn on_the_small_bots_of_the_yardstick_the_model_routes_more_and_declines_as_much() {
    // The hand-written development bots of bench/nlu (bank, travel, smart home, clinic): held-out
    // paraphrases of each task, and out-of-scope requests.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/nlu/calib_data.json");
    let data: CalibData = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let Some(model) = model() else { return };
    let (mut strings, mut semantic) = ((0, 0), (0, 0));
    let mut requests = 0;
    for assistant in &data.assistants {
        let samples: Vec<Vec<String>> = assistant.tasks.values().map(|t| t.train.clone()).collect();
        requests += assistant
            .tasks
            .values()
            .map(|t| t.test.len())
            .sum::<usize>();
        let plain = tally(
            &Matcher::new(&samples, MatcherConfig::default()),
            assistant,
            &data.oos,
        );
        let fused =
            Matcher::with_model(&samples, MatcherConfig::default(), Arc::clone(&model)).unwrap();
        let fused = tally(&fused, assistant, &data.oos);
        strings = (strings.0 + plain.0, strings.1 + plain.1);
        semantic = (semantic.0 + fused.0, semantic.1 + fused.1);
    }
    let oos = data.oos.len() * data.assistants.len();
    eprintln!(
        "routed {} / {requests} string-only, {} with the model; declined {} / {oos} and {}",
        strings.0, semantic.0, strings.1, semantic.1
    );
    // Measured: 110 and 125 of 132 routed, 154 and 158 of 160 declined.
    assert!(
        semantic.0 >= strings.0 + requests / 20,
        "{semantic:?} vs {strings:?}"
    );
    assert!(
        semantic.1 + oos / 50 >= strings.1,
        "{semantic:?} vs {strings:?}"
    );
}

#[test]
fn commands_refuse_a_bad_model_folder_before_doing_anything() {
    for command in [&["check"][..], &["nlu", "match"], &["chat"], &["test"]] {
        let out = bin()
            .args(command)
            .args(["--nlu-model", "/nonexistent/model"])
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{command:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: /nonexistent/model: is not a folder; give --nlu-model"),
            "{command:?}: {stderr}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = process::serve(dir.path().join("t.db"))
        .args(["--nlu-model", "/nonexistent/model"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/model: is not a folder"));
    assert!(
        !dir.path().join("t.db").exists(),
        "nothing is created before the model loads"
    );
}

#[test]
fn nlu_match_shows_both_scores_and_a_server_routes_with_the_model() {
    let said = "i would like to enroll";
    let matched = |model: Option<&Path>| -> serde_json::Value {
        let mut cmd = bin();
        cmd.args(["nlu", "match", "--flows"])
            .arg(common::repo_flows());
        if let Some(dir) = model {
            cmd.arg("--nlu-model").arg(dir);
        }
        let out = process::with_stdin(&mut cmd, format!("{said}\n").as_bytes());
        serde_json::from_slice(&out.stdout).expect("one JSON line")
    };
    // The sign-up bot's samples say "register", "sign up" and "join", never "enroll".
    let plain = matched(None);
    assert_eq!(plain["task"], serde_json::Value::Null, "{plain}");
    assert!(plain.get("semantic").is_none(), "{plain}");
    let Some(dir) = model_dir() else { return };
    let row = matched(Some(&dir));
    assert_eq!(row["task"], "register", "{row}");
    let score = |key: &str| row[key].as_f64().unwrap();
    assert!(score("semantic") > score("string"), "{row}");
    assert!(
        (score("fused") - (score("string") + score("semantic")) / 2.0).abs() < 1e-3,
        "{row}"
    );

    let db = tempfile::tempdir().unwrap();
    let mut serve = process::serve(db.path().join("t.db"));
    serve.arg("--nlu-model").arg(&dir);
    let server = Server::spawn(serve);
    server.post("/voice", &[("CallSid", "CA1")]);
    let reply = server.post(
        "/voice/gather",
        &[("CallSid", "CA1"), ("SpeechResult", said)],
    );
    assert!(reply.contains("What is your name?"), "{reply}");
    let health = server.get("/health");
    assert!(
        health.contains("semantic matching: on; 0 turns routed on the strings alone"),
        "{health}"
    );
}

/// The sign-up bot with the model, its turns waiting at most `budget` for an embedding.
fn app_with_model(model: Arc<Model>, budget: std::time::Duration) -> common::TestApp {
    let assistant = switchboard::flow::load_dir_with(&common::repo_flows(), Some(&model))
        .unwrap_or_else(|e| panic!("{e}"));
    let options = switchboard::runner::RunnerOptions {
        semantic_budget: Some(budget),
        ..Default::default()
    };
    common::TestApp::with_assistant(assistant, options, None, Default::default())
}

#[tokio::test]
async fn a_call_is_routed_by_meaning_through_the_router() {
    let Some(model) = model() else { return };
    let app = app_with_model(model, switchboard::runner::SEMANTIC_BUDGET);
    app.call("CA1").await;
    app.say("CA1", "i would like to enroll")
        .await
        .expect_prompt("What is your name?");
    let (_, health) = app.get("/health").await;
    assert!(
        health.contains("semantic matching: on; 0 turns routed on the strings alone"),
        "{health}"
    );
}

#[tokio::test]
async fn a_turn_that_cannot_wait_for_the_model_routes_on_the_strings_and_is_counted() {
    let Some(model) = model() else { return };
    // No time at all for a forward pass: every turn goes string-only.
    let app = app_with_model(model, std::time::Duration::ZERO);
    app.call("CA1").await;
    // Strings alone cannot route this (see nlu_match_shows_both_scores…): the caller hears
    // the fallback, not a wait.
    let reply = app.say("CA1", "i would like to enroll").await;
    assert!(
        !reply.text().contains("What is your name?"),
        "{}",
        reply.xml
    );
    // What strings can route still routes.
    app.say("CA1", "sign me up")
        .await
        .expect_prompt("What is your name?");
    let (_, health) = app.get("/health").await;
    assert!(
        health.contains("semantic matching: on; 2 turns routed on the strings alone"),
        "{health}"
    );
}
