//! Twilio's published example of every Autopilot action (`../shared/autopilot/Actions/`) loads
//! as a task's actions, unchanged, and a call through it renders valid TwiML.
//!
//! The examples point at public URLs; no test may reach them, so before loading, every http(s)
//! URL a redirect would fetch is pointed at a web service on loopback that answers with a `say`.

mod common;

use std::path::{Path, PathBuf};

use axum::Json;
use axum::routing::post;
use common::{TestApp, Twiml};
use serde_json::{Value, json};

fn actions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/autopilot/Actions")
}

/// Every `task://name` and `listen.tasks` entry in a document.
fn referenced_tasks(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("task://") {
                out.push(name.to_owned());
            }
        }
        Value::Object(map) => {
            for (key, child) in map {
                if key == "tasks" {
                    for name in child
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        out.push(name.strip_prefix("task://").unwrap_or(name).to_owned());
                    }
                }
                referenced_tasks(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| referenced_tasks(v, out)),
        _ => {}
    }
}

/// Points redirect and webhook URLs (not handoff or media URLs, which Twilio itself fetches)
/// at the loopback service.
fn to_loopback(value: &mut Value, base: &str, key: Option<&str>) {
    match value {
        Value::String(s)
            if (s.starts_with("https://") || s.starts_with("http://"))
                && matches!(key, Some("redirect" | "uri" | "url")) =>
        {
            *s = format!("{base}/actions");
        }
        Value::Object(map) => {
            let is_handoff_or_media = map.contains_key("channel")
                || map.contains_key("label")
                || map.contains_key("loop");
            for (k, child) in map.iter_mut() {
                if !(is_handoff_or_media && (k == "uri" || k == "url"))
                    && k != "handoff"
                    && k != "images"
                    && k != "play"
                {
                    to_loopback(child, base, Some(k));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| to_loopback(v, base, key)),
        _ => {}
    }
}

#[cfg_attr(
    no_shared_autopilot,
    ignore = "needs ../shared/autopilot beside the checkout (Twilio's published bots)"
)]
#[tokio::test]
async fn every_published_action_example_loads_and_renders_valid_twiml() {
    let dir = actions_dir();
    if !dir.is_dir() {
        eprintln!("skipped: ../shared/autopilot not found");
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let service = axum::Router::new().route(
        "/actions",
        post(|| async { Json(json!({"actions": [{"say": "From the web service."}]})) }),
    );
    tokio::spawn(async move { axum::serve(listener, service).await });

    let mut examples: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable")
        .flat_map(|action| std::fs::read_dir(action.expect("entry").path()).expect("readable"))
        .map(|f| f.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name().is_some_and(|n| n != "templates.json")
        })
        .collect();
    examples.sort();
    assert!(
        examples.len() >= 20,
        "found only {} examples",
        examples.len()
    );

    for example in examples {
        let text = std::fs::read_to_string(&example).expect("readable");
        let mut document: Value = serde_json::from_str(&text).expect("json");
        to_loopback(&mut document, &base, None);
        let flows = tempfile::tempdir().expect("temp dir");
        let tasks = flows.path().join("tasks");
        std::fs::create_dir_all(&tasks).expect("mkdir");
        // The example, unchanged but for loopback URLs, is the task's actions.
        let task = json!({"actions": document["actions"]});
        std::fs::write(tasks.join("example.json"), task.to_string()).expect("write");
        let mut others = Vec::new();
        referenced_tasks(&document, &mut others);
        for name in others {
            std::fs::write(
                tasks.join(format!("{name}.json")),
                json!({"actions": [{"say": format!("Task {name}.")}]}).to_string(),
            )
            .expect("write");
        }
        let app = TestApp::with_flows(flows.path());
        let name = example
            .strip_prefix(&dir)
            .unwrap_or(&example)
            .display()
            .to_string();
        let (status, body) = app
            .post("/voice", &[("CallSid", "CA1"), ("TargetTask", "example")])
            .await;
        assert_eq!(status, axum::http::StatusCode::OK, "{name}: {body}");
        let reply = Twiml::parse(&body);
        assert!(
            reply.gather.is_some()
                || reply.hangup
                || body.contains("<Dial")
                || body.contains("<Enqueue")
                || body.contains("<Redirect"),
            "{name}:\n{body}"
        );
        let expected = match name.as_str() {
            "redirect/redirect_to_url.json" => "From the web service.",
            // Twilio's handoff templates say "INSERT YOUR TWIML_URL HERE": the flow loads with a
            // warning, and the caller hears an apology instead of a broken transfer.
            name if name.starts_with("handoff/") => "I couldn&#39;t finish that just now.",
            "collect/collect_yes_no_question.json" => {
                "Did you have any issues with your delivery today?"
            }
            "listen/listen_selective.json" => "continue shopping or check out?",
            _ => "<Response>",
        };
        assert!(
            body.contains(expected),
            "{name}: expected {expected:?} in\n{body}"
        );
        eprintln!("ok: {name}");
    }
}
