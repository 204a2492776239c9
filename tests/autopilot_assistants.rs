//! Twilio's published Autopilot assistants (`../shared/autopilot/Assistants/*/schema.json`) run
//! as they are: each loads straight from its export, greets a caller, and routes each of its
//! tasks' first sample to that task, answering with valid TwiML every time.
//!
//! Their web service URLs point at the public internet (Twilio Functions); `--map-url` rules
//! send every one of them to a stub on loopback, so no test traffic leaves the machine.

mod common;

use std::path::{Path, PathBuf};

use axum::Json;
use axum::routing::any;
use common::TestApp;
use serde_json::json;
use switchboard::runner::RunnerOptions;
use switchboard::webhook::UrlMap;

fn assistants() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/autopilot/Assistants");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .map(|e| e.expect("entry").path().join("schema.json"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    Some(found)
}

#[cfg_attr(
    no_shared_autopilot,
    ignore = "needs ../shared/autopilot beside the checkout (Twilio's published bots)"
)]
#[tokio::test]
async fn every_published_assistant_greets_and_routes_each_task() {
    let Some(exports) = assistants() else {
        eprintln!("skipped: ../shared/autopilot not found");
        return;
    };
    assert!(exports.len() >= 8, "found {exports:?}");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let stub = format!("http://{}", listener.local_addr().expect("address"));
    let service = axum::Router::new().route(
        "/{*rest}",
        any(|| async {
            Json(json!({"actions": [{"say": "Web service reached."}, {"listen": true}]}))
        }),
    );
    tokio::spawn(async move { axum::serve(listener, service).await });
    let url_map = vec![
        UrlMap {
            from: "https://".into(),
            to: format!("{stub}/https/"),
        },
        UrlMap {
            from: "http://".into(),
            to: format!("{stub}/http/"),
        },
    ];

    for export in exports {
        let name = export
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let app = TestApp::with_options(
            &export,
            RunnerOptions {
                url_map: url_map.clone(),
                ..RunnerOptions::default()
            },
            None,
        );
        let tasks: Vec<(String, String)> = app
            .assistant
            .tasks
            .iter()
            .filter_map(|t| t.samples.first().map(|s| (t.name.clone(), s.clone())))
            .collect();
        assert!(!tasks.is_empty(), "{name} has no samples");
        for (i, (task, sample)) in tasks.iter().enumerate() {
            let sid = format!("CA{i:03}");
            let greeting = app.call(&sid).await;
            assert!(
                !greeting.text().is_empty() || greeting.gather.is_some(),
                "{name}: silent greeting:\n{}",
                greeting.xml
            );
            if greeting.gather.is_none() {
                continue;
            }
            // The greeting's listen may allow only some tasks (Autopilot's listen.tasks): a task
            // outside that list must not be chosen, whatever was said.
            let conn = rusqlite::Connection::open(&app.db).expect("db");
            let allowed: Option<String> = conn
                .query_row(
                    "SELECT json_extract(state, '$.waiting.allowed') FROM sessions WHERE key = ?1",
                    [&sid],
                    |r| r.get(0),
                )
                .expect("session");
            let allowed: Option<Vec<String>> =
                allowed.map(|a| serde_json::from_str(&a).expect("list"));
            // Samples may carry field tags ({date}); say them the way a caller would.
            let said: String = sample.replace(['{', '}'], "");
            let reply = app.say(&sid, &said).await;
            assert!(
                !reply.text().contains("something went wrong"),
                "{name}/{task}: {}",
                reply.xml
            );
            let routed: String = conn
                .query_row(
                    "SELECT json_extract(line.value, '$.route.task') FROM events, json_each(events.detail) AS line
                     WHERE session_key = ?1 AND json_type(line.value, '$.route') IS NOT NULL
                     ORDER BY events.id DESC LIMIT 1",
                    [&sid],
                    |r| r.get::<_, Option<String>>(0),
                )
                .expect("a route event")
                .unwrap_or_default();
            // A sample of its own task goes there. A sample of a task the bot is not
            // listening for is declined or goes to one it is listening for: after "shall we
            // start?", "let's start the survey" (a greeting sample) rightly starts the survey.
            let ok = match &allowed {
                Some(list) if !list.contains(task) => routed.is_empty() || list.contains(&routed),
                _ => routed == *task,
            };
            assert!(
                ok,
                "{name}: {said:?} (allowed: {allowed:?}) went to {routed:?}:\n{}",
                reply.xml
            );
        }
        eprintln!("ok: {name} ({} tasks walked)", tasks.len());
    }
}
