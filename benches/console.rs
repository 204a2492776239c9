//! The console on a big database: a page must stay fast when the line has taken 100,000 calls
//! and kept a million lines of history.
//!
//! Why: the console reads the same SQLite file the server writes, and an operator opens it on
//! a busy day. A page that scanned every row would grow with the business and stall the reads.
//!
//! What: a SQLite database made with the current schema (by opening the store), then filled
//! directly with 100,000 calls (spread over the last 100 days, a quarter of them texts; one in
//! five with a decline, one in fifty with a failed web service, one in a hundred reaching a
//! rarely used task), their 100,000 collect runs (three statuses, two collects) and 1,000,000
//! history lines (ten per call). Timed: the whole request through the real router, signed in,
//! from the request to the rendered HTML:
//! - Calls: `calls_first`, the newest page; `calls_declined`, page 20 of the calls with a
//!   decline; `calls_failed`, those whose web service failed (2%); `calls_rare_task`, a task 1%
//!   reached; `calls_status`, `status=incomplete`; `calls_week`, one week, texts only;
//!   `calls_deep`, page 1,000; `call`, one call's transcript;
//! - Answers: `first`, the newest page, no filter; `status`, `status=incomplete` (a tenth of
//!   the rows), page 20; `dates`, one week in the middle, `collect=callback`; `deep`, page
//!   1,000 with no filter (an offset of 50,000 rows);
//! - the Overview: the last 7 days' conversations per day, collects, declines, web service
//!   failures (`overview`);
//! - Not understood over 7 and 30 days of calls (each call's second turn routed, one in five
//!   declined, said one of 50 ways, the others matched with confidence; each such row holds
//!   the turn's whole history, what the bot said included): `understood_7_days`,
//!   `understood_30_days`.

use std::hint::black_box;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use criterion::{Criterion, criterion_group, criterion_main};
use switchboard::flow;
use switchboard::http::admin::AdminToken;
use switchboard::http::{AppState, router};
use switchboard::runner::{Runner, RunnerOptions};
use switchboard::store::Store;
use tower::ServiceExt;

mod common;
use common::slow_group;

const CALLS: usize = 100_000;
const HISTORY_PER_CALL: usize = 10;
const TOKEN: &str = "bench-console-token";

/// Fills `path` (a store already created there) with calls, answers and history.
fn fill(path: &std::path::Path) {
    let mut conn = rusqlite::Connection::open(path).expect("open");
    let tx = conn.transaction().expect("begin");
    {
        let mut collected = tx
            .prepare(
                "INSERT INTO collected (session_key, seq, channel, caller, task, collect, status,
                    answers, started_at, updated_at, finished_at)
                 VALUES (?1, 1, 'voice', ?2, 'register', ?3, ?4, ?5, ?6, ?6, ?7)",
            )
            .expect("prepare");
        let mut calls = tx
            .prepare(
                "INSERT INTO calls (started_at, session_key, channel, caller, last_at, turns,
                    routed, tasks, collects, declines, doubtful, webhook_failures, ended_by)
                 VALUES (?1, ?2, ?3, ?4, ?1, 10, 1, ?5, ?6, ?7, ?7, ?8, 'hangup')",
            )
            .expect("prepare");
        let mut events = tx
            .prepare(
                "INSERT INTO events (session_key, session_created_at, turn, at, kind, detail)
                 VALUES (?1, ?2, ?3, ?2, ?4, ?5)",
            )
            .expect("prepare");
        let start = chrono::Utc::now() - chrono::Duration::days(100);
        for i in 0..CALLS {
            let key = format!("CA{i:032x}");
            let at = (start + chrono::Duration::seconds((i * 86) as i64))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let status = match i % 10 {
                0 => "incomplete",
                1 => "in_progress",
                _ => "complete",
            };
            let collect = if i % 3 == 0 {
                "callback"
            } else {
                "user_information"
            };
            let answers = format!(
                r#"[{{"question":"user_name","said":"Jason","value":"Jason","attempts":1,"at":"{at}"}},{{"question":"user_phone_number","said":"four one five","value":"415{i:07}","attempts":1,"at":"{at}"}}]"#
            );
            let finished = (status != "in_progress").then_some(at.as_str());
            let tasks = if i % 100 == 7 {
                " greeting callback_request "
            } else {
                " greeting register registered "
            };
            calls
                .execute(rusqlite::params![
                    at,
                    key,
                    if i % 4 == 3 { "sms" } else { "voice" },
                    format!("+1628{:07}", i % 10_000_000),
                    tasks,
                    format!(" {collect}:{status} "),
                    i64::from(i % 5 == 0),
                    i64::from(i % 50 == 9),
                ])
                .expect("insert");
            collected
                .execute(rusqlite::params![
                    key,
                    format!("+1628{:07}", i % 10_000_000),
                    collect,
                    status,
                    answers,
                    at,
                    finished
                ])
                .expect("insert");
            for turn in 0..HISTORY_PER_CALL {
                // The second turn of each call is routed; one in five is declined, said one of
                // 50 ways.
                let (kind, detail) = if turn == 1 {
                    let said = format!(
                        r#"{{"input":{{"speech":"something else number {}","confidence":0.8}}}}"#,
                        i % 50
                    );
                    if i % 5 == 0 {
                        (
                            "input,route,task,reply",
                            format!(
                                r#"[{said},{{"route":{{"task":null,"confidence":0.2,"best":"register","next_best":null,"decision":"BelowThreshold"}}}},{{"task":{{"task":"fallback"}}}},{{"reply":{{"said":["Sorry, I didn't catch that. You can say register to sign up, or goodbye to end."],"next":"listen"}}}}]"#
                            ),
                        )
                    } else {
                        (
                            "input,route,task,collect,ask,reply",
                            format!(
                                r#"[{said},{{"route":{{"task":"register","confidence":0.9,"best":"register","next_best":"goodbye","decision":"Matched"}}}},{{"task":{{"task":"register"}}}},{{"collect":{{"collect":"user_information","task":"register","seq":1}}}},{{"ask":{{"collect":"user_information","question":"user_name","attempt":1}}}},{{"reply":{{"said":["What is your name?"],"next":"listen"}}}}]"#
                            ),
                        )
                    }
                } else {
                    (
                        "input",
                        r#"[{"input":{"speech":"I'd like to register"}}]"#.to_owned(),
                    )
                };
                events
                    .execute(rusqlite::params![key, at, turn as i64, kind, detail])
                    .expect("insert");
            }
        }
    }
    tx.commit().expect("commit");
}

fn console(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("switchboard.db");
    drop(Store::open(&db).expect("the store makes its schema"));
    fill(&db);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let flows = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    let assistant = std::sync::Arc::new(flow::load_path(&flows).expect("the repository's flows"));
    let app = runtime.block_on(async {
        let store = Store::open(&db).expect("store");
        let runner = Runner::new(assistant, store, RunnerOptions::default()).expect("runner");
        router(AppState::with_admin(runner, None, AdminToken::new(TOKEN)))
    });
    let cookie = runtime.block_on(async {
        let response = app
            .clone()
            .oneshot(
                Request::post("/console/sign-in")
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(format!("token={TOKEN}")))
                    .expect("request"),
            )
            .await
            .expect("infallible");
        let set = response.headers()[SET_COOKIE].to_str().expect("ascii");
        set.split(';').next().expect("name=value").to_owned()
    });
    let middle = (chrono::Utc::now() - chrono::Duration::days(50)).date_naive();
    let week = format!(
        "/console/answers?from={middle}&to={}&collect=callback",
        middle + chrono::Duration::days(6)
    );
    let call_week = format!(
        "/console/calls?from={middle}&to={}&channel=sms",
        middle + chrono::Duration::days(6)
    );
    let mut pages = vec![
        ("calls_first", "/console/calls".to_owned()),
        (
            "calls_declined",
            "/console/calls?declined=on&page=20".to_owned(),
        ),
        ("calls_failed", "/console/calls?failed=on".to_owned()),
        (
            "calls_rare_task",
            "/console/calls?task=callback_request".to_owned(),
        ),
        (
            "calls_status",
            "/console/calls?status=incomplete".to_owned(),
        ),
        ("calls_week", call_week),
        ("calls_deep", "/console/calls?page=1000".to_owned()),
        ("answers_first", "/console/answers".to_owned()),
        (
            "answers_status",
            "/console/answers?status=incomplete&page=20".to_owned(),
        ),
        ("answers_dates", week),
        ("answers_deep", "/console/answers?page=1000".to_owned()),
        ("overview", "/console/overview".to_owned()),
        ("understood_7_days", "/console/understood?days=7".to_owned()),
        (
            "understood_30_days",
            "/console/understood?days=30".to_owned(),
        ),
    ];
    let get = |path: &str| {
        let app = app.clone();
        let request = Request::get(path)
            .header(COOKIE, &cookie)
            .body(Body::empty())
            .expect("request");
        runtime.block_on(async move {
            let response = app.oneshot(request).await.expect("infallible");
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body");
            (status, body)
        })
    };
    // A call's transcript: the newest call, by its link on the list.
    let (_, list) = get("/console/calls");
    let list = String::from_utf8_lossy(&list);
    let link = list
        .split(r#"<a href="/console/calls/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| format!("/console/calls/{id}"))
        .expect("a call on the list");
    pages.push(("call", link));
    // Setup check, not timed: each page answers with rows.
    for (name, path) in &pages {
        let (status, body) = get(path);
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(
            String::from_utf8_lossy(&body).contains("<tbody>"),
            "{name}: no rows"
        );
    }
    let mut group = slow_group(c, "console");
    for (name, path) in &pages {
        group.bench_function(*name, |b| {
            b.iter(|| black_box(get(path)));
        });
    }
    group.finish();
}

criterion_group!(benches, console);
criterion_main!(benches);
