//! Editing a live bot: `serve` loads an edit of its flows folder while calls go on. New calls
//! get the edit; a call in progress finishes on the version it started with; an edit with
//! errors is refused, shown on /health, and the running version goes on; SIGHUP loads at once.
//! A real server process on a real folder, since the watching is the point.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::process::{self, Server, bin};
use common::write_flow;
use serde_json::json;

/// A one-question bot whose words carry `mark`, so a reply tells which version said it.
fn write_bot(dir: &Path, mark: &str) {
    write_flow(
        dir,
        "assistant",
        &json!({"defaults": {"assistant_initiation": "task://ask"}}),
    );
    write_flow(
        dir,
        "ask",
        &json!({"actions": [{"collect": {"name": "c", "questions": [
                {"name": "colour", "question": format!("{mark} Which colour?")}],
              "on_complete": {"redirect": "task://done"}}}]}),
    );
    write_flow(
        dir,
        "done",
        &json!({"actions": [{"say": format!("{mark} Thanks, {{{{c.colour}}}} it is.")}]}),
    );
}

fn serve_flows(flows: &Path, db: &Path) -> Server {
    Server::spawn(process::serve_flows(flows, db))
}

/// Waits (up to 20 s: the watcher looks every second and waits for one quiet look) until
/// `/health` says `what`.
fn wait_for_health(server: &Server, what: &str) -> String {
    wait_until(server, what, |health| health.contains(what))
}

/// Waits as [`wait_for_health`] until `/health` satisfies `ready`, described as `what`.
fn wait_until(server: &Server, what: &str, ready: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let health = server.get("/health");
        if ready(&health) {
            return health;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "/health never said {what:?}:\n{health}\nlog:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn version_in(health: &str) -> String {
    health
        .lines()
        .find_map(|l| l.strip_prefix("flows: version "))
        .and_then(|rest| rest.split([';', ' ']).next())
        .unwrap_or_else(|| panic!("no version in {health}"))
        .to_owned()
}

#[test]
fn an_edit_reaches_new_calls_while_calls_in_progress_finish_on_their_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flows = dir.path().join("flows");
    write_bot(&flows, "Old.");
    let server = serve_flows(&flows, &dir.path().join("s.db"));
    let first = version_in(&server.get("/health"));

    // A call starts on the old flows and is mid-question when the edit lands.
    assert!(
        server
            .post("/voice", &[("CallSid", "CAold")])
            .contains("Old. Which colour?")
    );
    write_bot(&flows, "New.");
    let health = wait_for_health(&server, "calls in progress may still be on");
    let second = version_in(&health);
    assert_ne!(first, second, "{health}");
    assert!(
        health.contains(&first),
        "the old version is still held: {health}"
    );

    // The call in progress finishes on the version it started with…
    let old = server.post(
        "/voice/gather",
        &[("CallSid", "CAold"), ("SpeechResult", "blue")],
    );
    assert!(old.contains("Old. Thanks, blue it is."), "{old}");
    // …and a new call starts on the edit.
    let new = server.post("/voice", &[("CallSid", "CAnew")]);
    assert!(new.contains("New. Which colour?"), "{new}");
    let log = server.log();
    assert!(log.contains("flows reloaded (the files changed)"), "{log}");

    // `switchboard check` prints the same version id the server runs.
    let check = bin()
        .args(["check", "--flows"])
        .arg(&flows)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(stdout.contains(&format!("version {second}")), "{stdout}");

    // The call history says which version each call ran on.
    drop(server);
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).expect("db");
    let history = |call: &str| -> String {
        let mut rows = conn
            .prepare("SELECT kind || ' ' || detail FROM events WHERE session_key = ?1")
            .expect("query");
        let lines: Vec<String> = rows
            .query_map([call], |r| r.get(0))
            .expect("rows")
            .map(|r| r.expect("row"))
            .collect();
        lines.join("\n")
    };
    let (old, new) = (history("CAold"), history("CAnew"));
    assert!(old.contains("flows") && old.contains(&first), "{old}");
    assert!(new.contains("flows") && new.contains(&second), "{new}");
}

#[test]
fn an_edit_with_errors_is_refused_shown_on_health_and_the_running_version_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flows = dir.path().join("flows");
    write_bot(&flows, "Good.");
    let server = serve_flows(&flows, &dir.path().join("s.db"));
    let running = version_in(&server.get("/health"));

    std::fs::write(
        flows.join("tasks/done.json"),
        r#"{"actions": [{"say": "Thanks, {{c.color}}."}]}"#,
    )
    .expect("write");
    let health = wait_for_health(&server, "was not loaded");
    assert!(
        health.starts_with("HTTP/1.1 200"),
        "still serving: {health}"
    );
    assert_eq!(version_in(&health), running, "{health}");
    assert!(
        health.contains("done.json") && health.contains("c.color"),
        "the error names the file and the mistake: {health}"
    );
    assert!(
        server.log().contains("flows not reloaded"),
        "{}",
        server.log()
    );
    let call = server.post("/voice", &[("CallSid", "CA1")]);
    assert!(call.contains("Good. Which colour?"), "{call}");

    // Fixed: the warning goes, and the fix is served.
    write_bot(&flows, "Fixed.");
    let health = wait_until(&server, "no refused edit", |h| {
        !h.contains("was not loaded")
    });
    assert_ne!(version_in(&health), running, "{health}");
    assert!(
        server
            .post("/voice", &[("CallSid", "CA2")])
            .contains("Fixed. Which colour?")
    );
}

#[cfg(unix)]
#[test]
fn sighup_loads_the_flows_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flows = dir.path().join("flows");
    write_bot(&flows, "Before.");
    let server = serve_flows(&flows, &dir.path().join("s.db"));
    write_bot(&flows, "After.");
    let status = std::process::Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    while !server.log().contains("(SIGHUP)") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Whether the HUP or the watcher saw the edit first, the server now serves it: a HUP
    // reloads, it does not end the server as it would a process that ignores it.
    let call = server.post("/voice", &[("CallSid", "CA1")]);
    assert!(call.contains("After. Which colour?"), "{call}");
    // A clean stop says so.
    let (status, log) = server.terminate_and_log();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(
        log.contains("shutting down") && log.contains("switchboard stopped"),
        "{log}"
    );
}

#[test]
fn a_web_services_tasks_are_the_ones_of_the_version_the_call_runs_on() {
    // The web service sends the caller to `thanks` by name.
    let (url, _seen) = common::service(
        Duration::ZERO,
        200,
        r#"{"actions": [{"redirect": "task://thanks"}]}"#,
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let flows = dir.path().join("flows");
    let write = |extra: bool| {
        write_flow(
            &flows,
            "assistant",
            &json!({"defaults": {"assistant_initiation": "task://hello"}}),
        );
        write_flow(
            &flows,
            "hello",
            &json!({"actions": [{"say": "Say status."}, {"listen": true}]}),
        );
        write_flow(
            &flows,
            "status",
            &json!({"samples": ["status", "order status"], "actions": [{"redirect": url}]}),
        );
        write_flow(
            &flows,
            "thanks",
            &json!({"actions": [{"say": "Thanks from the old flows."}]}),
        );
        if extra {
            // Sorted first, so every other task's position moves in the new version.
            write_flow(&flows, "aaa", &json!({"actions": [{"say": "Wrong task."}]}));
        }
    };
    write(false);
    let server = serve_flows(&flows, &dir.path().join("s.db"));
    assert!(
        server
            .post("/voice", &[("CallSid", "CAold")])
            .contains("Say status.")
    );
    write(true);
    wait_for_health(&server, "calls in progress may still be on");
    // The call is still on the old version; the web service's `task://thanks` is its thanks.
    let reply = server.post(
        "/voice/gather",
        &[("CallSid", "CAold"), ("SpeechResult", "order status")],
    );
    assert!(
        reply.contains("Thanks from the old flows."),
        "{reply}\n{}",
        server.log()
    );
}
