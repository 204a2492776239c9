//! `switchboard bench`, the load tool, run for real against the server it starts: these tests
//! check that it counts — turns, calls, errors and saved answers — not how fast anything is.

mod common;

use common::process::bin;
use serde_json::Value;

/// Runs the tool with `args` and `--json`; returns its exit status and report.
fn bench(args: &[&str]) -> (Option<i32>, Value) {
    let out = bin()
        .arg("bench")
        .args(args)
        .arg("--json")
        .output()
        .expect("runs");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

fn phase<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["phases"]
        .as_array()
        .and_then(|phases| phases.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no phase {name:?} in {report:#}"))
}

/// The phases' names, in the order they ran.
fn phase_names(report: &Value) -> Vec<&str> {
    report["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect()
}

#[test]
fn every_turn_of_every_call_is_counted_and_every_answer_found() {
    let (status, report) = bench(&["--callers", "4", "--calls", "13"]);
    assert_eq!(status, Some(0), "{report:#}");
    assert_eq!(report["turns_per_call"], 5);
    for name in ["fixed TwiML (baseline)", "whole calls"] {
        let p = phase(&report, name);
        assert_eq!(p["calls"], 13, "{p:#}");
        assert_eq!(p["completed"], 13, "{p:#}");
        assert_eq!(p["turns"], 65, "{p:#}");
        assert_eq!(p["errors"], 0, "{p:#}");
        let latency = &p["latency"];
        let ms = |k: &str| latency[k].as_f64().expect("number");
        assert!(ms("p50_ms") > 0.0 && ms("p50_ms") <= ms("p99_ms") && ms("p99_ms") <= ms("max_ms"));
    }
    assert_eq!(
        report["answers"],
        serde_json::json!({"checked": 13, "saved": 13, "missing": 0, "duplicated": 0})
    );
    assert!(
        report["ratio_to_baseline"]
            .as_f64()
            .is_some_and(|r| r > 0.0)
    );
    if cfg!(target_os = "linux") {
        assert!(
            report["memory"]["peak"]
                .as_u64()
                .is_some_and(|b| b > 1 << 20)
        );
    }
    assert_eq!(report["server"]["errors_logged"], 0);
    if cfg!(target_os = "linux") {
        let cpu = phase(&report, "whole calls")["server_cpu_us_per_turn"].as_f64();
        assert!(cpu.is_some_and(|us| us > 0.0), "{report:#}");
    }
}

/// Two servers on one PostgreSQL database, loaded as through a round-robin balancer: every
/// turn counted, every acknowledged answer found once in the shared database, the servers'
/// CPU counted across both.
#[test]
fn two_targets_share_the_callers_and_their_answers_are_checked_in_postgres() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(schema) = runtime.block_on(common::postgres::Schema::new()) else {
        return;
    };
    let serve = || {
        let mut cmd = common::process::serve(&schema.url);
        cmd.arg("--baseline-route");
        common::process::Server::spawn(cmd)
    };
    let servers = [serve(), serve()];
    let targets: Vec<String> = servers
        .iter()
        .flat_map(|s| ["--target".to_owned(), format!("http://{}", s.addr())])
        .collect();
    let pids: Vec<String> = servers
        .iter()
        .flat_map(|s| ["--pid".to_owned(), s.pid().to_string()])
        .collect();
    let mut args = vec!["--callers", "6", "--calls", "12", "--db", &schema.url];
    args.extend(targets.iter().map(String::as_str));
    args.extend(pids.iter().map(String::as_str));
    let (status, report) = bench(&args);
    assert_eq!(status, Some(0), "{report:#}");
    let whole = phase(&report, "whole calls");
    assert_eq!((&whole["turns"], &whole["errors"]), (&60.into(), &0.into()));
    assert_eq!(
        report["answers"],
        serde_json::json!({"checked": 12, "saved": 12, "missing": 0, "duplicated": 0})
    );
    let address = report["server"]["address"].as_str().expect("addresses");
    for server in &servers {
        assert!(address.contains(&server.addr().to_string()), "{address}");
        // Callers were dealt to both: each server logged turns.
        assert!(server.log().contains("turn"), "{}", server.log());
    }
    if cfg!(target_os = "linux") {
        assert!(
            whole["server_cpu_us_per_turn"]
                .as_f64()
                .is_some_and(|us| us > 0.0)
        );
    }
}

#[test]
fn rounds_alternate_the_phases_and_each_rounds_calls_are_new_calls() {
    let (status, report) = bench(&["--callers", "3", "--calls", "4", "--rounds", "3"]);
    assert_eq!(status, Some(0), "{report:#}");
    let names = phase_names(&report);
    assert_eq!(
        names,
        [
            "fixed TwiML (baseline) #1",
            "whole calls #1",
            "fixed TwiML (baseline) #2",
            "whole calls #2",
            "fixed TwiML (baseline) #3",
            "whole calls #3"
        ]
    );
    for name in &names {
        assert_eq!(phase(&report, name)["turns"], 20, "{name}");
    }
    // Twelve different calls, each saved once: a round reusing CallSids would find the
    // earlier round's session ended, and its answers missing or twice.
    assert_eq!(
        report["answers"],
        serde_json::json!({"checked": 12, "saved": 12, "missing": 0, "duplicated": 0})
    );
    let ratios: Vec<f64> = report["ratios_to_baseline"]
        .as_array()
        .expect("ratios")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(ratios.len(), 3, "{report:#}");
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(report["ratio_to_baseline"].as_f64(), Some(sorted[1]));
}

#[test]
fn calls_left_open_are_counted_apart_from_whole_calls() {
    let (status, report) = bench(&[
        "--callers",
        "3",
        "--calls",
        "5",
        "--open-calls",
        "7",
        "--no-baseline",
    ]);
    assert_eq!(status, Some(0), "{report:#}");
    let names = phase_names(&report);
    assert_eq!(
        names,
        ["whole calls", "opening 7 calls", "whole calls, 7 open"]
    );
    let opening = phase(&report, "opening 7 calls");
    assert_eq!(
        (opening["turns"].as_u64(), opening["completed"].as_u64()),
        (Some(14), Some(7))
    );
    assert_eq!(phase(&report, "whole calls, 7 open")["turns"], 25);
    // Both whole-call phases are checked; the open calls have no answers yet.
    assert_eq!(report["answers"]["checked"], 10);
    assert_eq!(report["answers"]["saved"], 10);
    let db = report["server"]["database"].as_str().expect("database");
    assert!(
        !std::path::Path::new(db).exists(),
        "the scratch database is removed"
    );
}

/// A bot whose sign-up task is closed: the greeting works, "register" gets the wrong reply.
fn closed_for_sign_ups() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let flows = dir.path();
    std::fs::create_dir(flows.join("tasks")).expect("tasks dir");
    std::fs::write(
        flows.join("assistant.json"),
        r#"{"name": "closed", "defaults": {"assistant_initiation": "task://greeting", "fallback": "task://greeting"}}"#,
    )
    .expect("assistant");
    std::fs::write(
        flows.join("tasks/greeting.json"),
        r#"{"samples": ["hello", "hi there"], "actions": [{"say": "Hi! What would you like to do?"}, {"listen": true}]}"#,
    )
    .expect("greeting");
    std::fs::write(
        flows.join("tasks/register.json"),
        r#"{"samples": ["register", "sign me up", "i'd like to register"], "actions": [{"say": "Sorry, sign-ups are closed today."}]}"#,
    )
    .expect("register");
    dir
}

#[test]
fn flows_the_simulated_call_cannot_follow_are_refused_before_the_run() {
    let flows = closed_for_sign_ups();
    let started = std::time::Instant::now();
    let out = bin()
        .args(["bench", "--calls", "2000", "--flows"])
        .arg(flows.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("cannot hold the call the load simulates")
            && stderr.contains("at turn 2, when the caller says \"I'd like to register please\"")
            && stderr.contains("\"What is your name?\"")
            && stderr.contains("Sorry, sign-ups are closed today."),
        "{stderr}"
    );
    // Refused up front: no server started, no calls made.
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn a_conversation_that_goes_wrong_is_counted_as_errors() {
    // Against a running server the tool cannot rehearse the flows first: it counts what fails.
    let flows = closed_for_sign_ups();
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("closed.db");
    let mut serve = bin();
    serve
        .args(["serve", "--listen", "127.0.0.1:0", "--flows"])
        .arg(flows.path())
        .arg("--db")
        .arg(&db);
    let server = common::process::Server::spawn(serve);
    let target = format!("http://{}", server.addr());
    let (status, report) = bench(&[
        "--callers",
        "2",
        "--calls",
        "6",
        "--no-baseline",
        "--target",
        &target,
    ]);
    assert_eq!(status, Some(1), "errors make the run fail: {report:#}");
    let p = phase(&report, "whole calls");
    assert_eq!(
        p["turns"], 6,
        "only each call's greeting went as planned: {p:#}"
    );
    assert_eq!(p["errors"], 6);
    assert_eq!(p["completed"], 0);
    let example = p["error_examples"][0].as_str().expect("an example");
    assert!(
        example.contains("turn 2: expected \"What is your name?\""),
        "{example}"
    );
    drop(server);
}

#[test]
fn refused_requests_are_errors_in_the_baseline_too() {
    // A server that checks signatures refuses the tool's unsigned webhooks, baseline included.
    let dir = tempfile::tempdir().expect("temp dir");
    let token = dir.path().join("token");
    std::fs::write(&token, "secret").expect("token");
    let (status, report) = bench(&[
        "--callers",
        "2",
        "--calls",
        "4",
        &format!("--serve-arg=--auth-token-file={}", token.display()),
        "--serve-arg=--public-url=https://bot.example.com",
    ]);
    assert_eq!(status, Some(1));
    for name in ["fixed TwiML (baseline)", "whole calls"] {
        let p = phase(&report, name);
        assert_eq!(
            (p["turns"].as_u64(), p["errors"].as_u64()),
            (Some(0), Some(4)),
            "{p:#}"
        );
        assert!(
            p["error_examples"][0]
                .as_str()
                .is_some_and(|e| e.contains("HTTP 403")),
            "{p:#}"
        );
    }
}
