//! `GET /metrics`, read back as Prometheus reads it, from a real `serve` process (each process
//! has one set of metrics, so these tests do not share counters with each other's servers):
//! behind the admin token on the main address, open on `--metrics-listen`'s, every family the
//! server keeps present once it has something to count, and the counters moving with a call,
//! a call on hold included.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

use common::process::{self, Server};
use switchboard::signature::{AuthToken, sign};

const ADMIN: &str = "metrics-admin-token";
const TWILIO: &str = "twilio-auth-token";
const PUBLIC: &str = "https://bot.example.com";

/// A web service on a loopback port answering every request, after `delay`, with
/// `{"actions": [say "Done."]}`.
fn web_service(delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            std::thread::sleep(delay);
            let body = r#"{"actions": [{"say": "Done."}]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

/// A bot that greets, collects a name when asked to sign up, then hands over to a web service;
/// `webhooks` is its settings block for web services.
fn flows(dir: &Path, service: SocketAddr, webhooks: serde_json::Value) {
    common::write_flow(
        dir,
        "assistant",
        &serde_json::json!({
            "defaults": {"assistant_initiation": "task://greeting", "fallback": "task://fallback"},
            "webhooks": webhooks,
        }),
    );
    common::write_flow(
        dir,
        "greeting",
        &serde_json::json!({"actions": [{"say": "Hello."}, {"listen": true}]}),
    );
    common::write_flow(
        dir,
        "fallback",
        &serde_json::json!({"actions": [{"say": "Sorry?"}, {"listen": true}]}),
    );
    common::write_flow(
        dir,
        "signup",
        &serde_json::json!({
            "samples": ["sign me up", "I want to sign up", "register me", "put me on the list"],
            "actions": [{"collect": {"name": "details", "questions": [
                {"name": "first_name", "question": "What is your name?", "type": "Twilio.FIRST_NAME"}],
                "on_complete": {"redirect": format!("http://{service}/done")}}}]
        }),
    );
}

/// A signed webhook, as Twilio sends it to `PUBLIC`.
fn webhook(server: &Server, path: &str, form: &[(&str, &str)]) -> String {
    let pairs: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let signature = sign(&AuthToken::new(TWILIO), &format!("{PUBLIC}{path}"), &pairs);
    let body = serde_urlencoded::to_string(form).expect("encodes");
    process::request(
        server.addr(),
        &format!("POST {path}"),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Twilio-Signature", &signature),
        ],
        &body,
    )
}

/// A call to `sid` arriving: the greeting's TwiML.
fn call(server: &Server, sid: &str) -> String {
    webhook(
        server,
        "/voice",
        &[
            ("CallSid", sid),
            ("From", "+15551230000"),
            ("To", "+15559990000"),
        ],
    )
}

/// The caller on `sid` saying `text`: the reply's TwiML.
fn say(server: &Server, sid: &str, text: &str) -> String {
    webhook(
        server,
        "/voice/gather",
        &[
            ("CallSid", sid),
            ("SpeechResult", text),
            ("Confidence", "0.9"),
        ],
    )
}

/// The samples of a Prometheus text exposition: series (name and labels as written) to value.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The sum of every sample whose series starts with `prefix` and holds each of `labels`.
fn total(samples: &HashMap<String, f64>, prefix: &str, labels: &[&str]) -> f64 {
    samples
        .iter()
        .filter(|(series, _)| {
            series.starts_with(prefix) && labels.iter().all(|l| series.contains(l))
        })
        .map(|(_, v)| v)
        .sum()
}

/// `switchboard serve` on `flow_dir`, with the admin and Twilio tokens in files under `dir`.
fn serve(dir: &Path, flow_dir: &Path) -> Server {
    let token_file = dir.join("admin-token");
    std::fs::write(&token_file, ADMIN).expect("write");
    let twilio_file = dir.join("twilio-token");
    std::fs::write(&twilio_file, TWILIO).expect("write");
    let mut cmd = process::bin();
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "127.0.0.1:0",
    ])
    .arg("--flows")
    .arg(flow_dir)
    .arg("--db")
    .arg(dir.join("switchboard.db"))
    .arg("--admin-token-file")
    .arg(&token_file)
    .arg("--auth-token-file")
    .arg(&twilio_file)
    .args(["--public-url", PUBLIC])
    .env("NO_COLOR", "1");
    Server::spawn(cmd)
}

/// The server's metrics, read with the admin token.
fn scrape(server: &Server) -> HashMap<String, f64> {
    let response = process::request(
        server.addr(),
        "GET /metrics",
        &[("Authorization", &format!("Bearer {ADMIN}"))],
        "",
    );
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("text/plain; version=0.0.4"), "{response}");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    samples(body)
}

#[test]
fn metrics_count_what_calls_did_behind_the_token_and_open_on_their_own_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flow_dir = dir.path().join("flows");
    flows(
        &flow_dir,
        web_service(Duration::ZERO),
        serde_json::json!({}),
    );
    let server = serve(dir.path(), &flow_dir);

    // Behind the token on the main address.
    let refused = process::request(server.addr(), "GET /metrics", &[], "");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
    let before = scrape(&server);

    // One call: matched, a collect started and completed, a web service called.
    let sid = "CAmetrics1";
    let said = |text: &str| say(&server, sid, text);
    let hello = call(&server, sid);
    assert!(hello.contains("Hello."), "{hello}");
    assert!(said("blue cheese moonlight").contains("Sorry?"));
    assert!(said("I want to sign up").contains("What is your name?"));
    assert!(said("Jason").contains("Done."));
    // A webhook without a valid signature, and a body over the limit.
    let forged = process::request(
        server.addr(),
        "POST /voice",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Twilio-Signature", "forged"),
        ],
        "CallSid=CAforged",
    );
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    let huge = "a".repeat(256 * 1024);
    let too_large = process::request(
        server.addr(),
        "POST /voice",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        &format!("CallSid={huge}"),
    );
    assert!(too_large.starts_with("HTTP/1.1 413"), "{too_large}");

    let after = scrape(&server);
    let moved = |prefix: &str, labels: &[&str]| {
        total(&after, prefix, labels) - total(&before, prefix, labels)
    };
    assert_eq!(
        moved(
            "switchboard_turns_total",
            &[r#"channel="voice""#, r#"outcome="answered""#]
        ),
        4.0
    );
    assert_eq!(
        moved("switchboard_turns_total", &[r#"input="speech""#]),
        3.0
    );
    assert_eq!(
        moved("switchboard_turn_duration_seconds_count", &[]),
        4.0,
        "{after:?}"
    );
    assert_eq!(
        moved(
            "switchboard_matcher_decisions_total",
            &[r#"decision="matched""#]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "switchboard_matcher_decisions_total",
            &[r#"decision="declined""#]
        ),
        1.0
    );
    assert_eq!(moved("switchboard_matcher_confidence_count", &[]), 2.0);
    assert_eq!(
        moved(
            "switchboard_collects_total",
            &[r#"collect="details""#, r#"event="started""#]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "switchboard_collects_total",
            &[r#"collect="details""#, r#"event="completed""#]
        ),
        1.0
    );
    assert_eq!(
        moved("switchboard_webhook_calls_total", &[r#"outcome="actions""#]),
        1.0
    );
    assert_eq!(
        moved("switchboard_webhook_duration_seconds_count", &[]),
        1.0
    );
    assert!(
        moved(
            "switchboard_store_commit_duration_seconds_count",
            &[r#"backend="sqlite""#]
        ) >= 1.0
    );
    assert!(moved("switchboard_store_commit_batch_size_count", &[]) >= 1.0);
    assert_eq!(moved("switchboard_signature_failures_total", &[]), 1.0);
    assert_eq!(
        moved(
            "switchboard_requests_refused_total",
            &[r#"reason="body_too_large""#]
        ),
        1.0
    );
    // The call ended with the web service's answer; nothing is in progress.
    assert_eq!(total(&after, "switchboard_sessions_in_progress", &[]), 0.0);
    // Nothing a caller said, and no number, is in the metrics.
    let text = format!("{after:?}");
    for private in ["Jason", "5551230000", "blue cheese"] {
        assert!(!text.contains(private), "{private} in {text}");
    }

    // Open, without the token, on --metrics-listen's address, which serves nothing else.
    let open = wait_for_metrics_address(&server);
    let response = process::request(open, "GET /metrics", &[], "");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("switchboard_turns_total"), "{response}");
    let other = process::request(open, "GET /health", &[], "");
    assert!(other.starts_with("HTTP/1.1 404"), "{other}");
}

#[test]
fn a_call_on_hold_counts_each_continuation_as_a_turn() {
    let dir = tempfile::tempdir().expect("temp dir");
    let flow_dir = dir.path().join("flows");
    flows(
        &flow_dir,
        web_service(Duration::from_millis(1200)),
        serde_json::json!({"hold_after_ms": 200, "budget_ms": 20000}),
    );
    let server = serve(dir.path(), &flow_dir);
    let before = scrape(&server);

    let sid = "CAmetrics2";
    call(&server, sid);
    let said = |text: &str| say(&server, sid, text);
    assert!(said("I want to sign up").contains("What is your name?"));
    let held = said("Jason");
    assert!(held.contains("/voice/continue</Redirect>"), "{held}");
    // Twilio comes back after each hold until the web service's answer is there.
    let mut continuations = 0;
    loop {
        let reply = webhook(&server, "/voice/continue", &[("CallSid", sid)]);
        continuations += 1;
        if reply.contains("Done.") {
            break;
        }
        assert!(reply.contains("/voice/continue</Redirect>"), "{reply}");
        assert!(continuations < 50, "never answered");
    }

    let after = scrape(&server);
    let moved = |labels: &[&str]| {
        total(&after, "switchboard_turns_total", labels)
            - total(&before, "switchboard_turns_total", labels)
    };
    assert_eq!(moved(&[r#"input="speech""#, r#"outcome="hold""#]), 1.0);
    assert_eq!(
        moved(&[r#"input="continue""#, r#"outcome="hold""#]),
        f64::from(continuations - 1)
    );
    assert_eq!(
        moved(&[r#"input="continue""#, r#"outcome="answered""#]),
        1.0
    );
    // Every turn the server answered has its time recorded, continuations included.
    assert_eq!(
        total(&after, "switchboard_turn_duration_seconds_count", &[])
            - total(&before, "switchboard_turn_duration_seconds_count", &[]),
        f64::from(3 + continuations)
    );
}

/// The address `--metrics-listen 127.0.0.1:0` bound, from the server's log.
fn wait_for_metrics_address(server: &Server) -> SocketAddr {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(rest) = server.log().split("metrics listening on http://").nth(1) {
            let addr = rest.split('/').next().expect("address");
            return addr.parse().expect("socket address");
        }
        assert!(
            std::time::Instant::now() < give_up,
            "no metrics address in:\n{}",
            server.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
