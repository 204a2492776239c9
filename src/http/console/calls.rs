//! The console's Calls list and a call's transcript.
//!
//! A call's address is `/console/calls/<started, in ms>-<tag>`: when it started, which the
//! `calls` table is ordered by, and a keyed tag of its session key ([`session::Keys::tag`]),
//! never the key itself — a text conversation's key holds the caller's number, and addresses
//! end up in browser histories and proxy logs. Numbers are shown by their last digits; an
//! operator may reveal one call's (a POST with the CSRF token), and each reveal is logged.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{
    CsrfForm, Paging, bad_request, day, guarded, masked, page, see_other, session, signed_in,
    unreadable,
};
use crate::engine::Channel;
use crate::http::AppState;
use crate::store::{CallRow, CallsFilter, HistoryRow};

/// The Calls page's filters as the query string carries them (empty: not filtered).
#[derive(Debug, Default, Deserialize)]
pub(super) struct CallsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    collect: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    declined: String,
    #[serde(default)]
    failed: String,
    #[serde(default)]
    page: Option<u32>,
}

impl CallsQuery {
    /// The store's filter; a value that does not parse is a 400 naming it.
    fn filter(&self) -> Result<CallsFilter, String> {
        let text = |t: &str| (!t.trim().is_empty()).then(|| t.trim().to_owned());
        let channel = match self.channel.as_str() {
            "" => None,
            "voice" => Some(Channel::Voice),
            "sms" => Some(Channel::Sms),
            other => return Err(format!("channel: expected voice or sms, got {other:?}")),
        };
        let status = text(&self.status);
        if let Some(status) = &status
            && !["complete", "incomplete", "in_progress"].contains(&status.as_str())
        {
            return Err(format!(
                "status: expected complete, incomplete or in_progress, got {status:?}"
            ));
        }
        Ok(CallsFilter {
            from: day("from", &self.from)?,
            // "To" a day includes that day.
            until: day("to", &self.to)?.map(|d| d + chrono::Duration::days(1)),
            channel,
            task: text(&self.task),
            collect: text(&self.collect),
            collect_status: status,
            declined: !self.declined.is_empty(),
            webhook_failed: !self.failed.is_empty(),
            limit: 0,
            offset: 0,
        })
    }

    /// The filters alone, as a query string for links that keep them.
    fn filters(&self) -> String {
        serde_urlencoded::to_string([
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("channel", self.channel.as_str()),
            ("task", self.task.as_str()),
            ("collect", self.collect.as_str()),
            ("status", self.status.as_str()),
            ("declined", self.declined.as_str()),
            ("failed", self.failed.as_str()),
        ])
        .unwrap_or_default()
    }
}

/// A call's address in the console (see the module's docs).
fn call_id(keys: &session::Keys, call: &CallRow) -> String {
    format!(
        "{}-{}",
        call.started_at.timestamp_millis(),
        keys.tag(&call.key)
    )
}

/// A time as the console shows it (UTC, to the second).
fn shown_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// How long a call lasted, in minutes and seconds.
fn duration(call: &CallRow) -> String {
    let secs = (call.last_at - call.started_at).num_seconds().max(0);
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// One call on the list, as shown.
struct CallLine {
    href: String,
    started: String,
    channel: &'static str,
    caller: String,
    length: String,
    turns: i64,
    tasks: String,
    collects: Vec<(String, String)>,
    declines: i64,
    webhook_failures: i64,
    ended: String,
}

impl CallLine {
    fn new(keys: &session::Keys, call: &CallRow) -> CallLine {
        CallLine {
            href: format!("/console/calls/{}", call_id(keys, call)),
            started: shown_time(call.started_at),
            channel: channel_label(&call.channel),
            caller: call.caller.as_deref().map(masked).unwrap_or_default(),
            length: duration(call),
            turns: call.turns,
            tasks: call.tasks.join(", "),
            collects: call.collects.clone(),
            declines: call.declines,
            webhook_failures: call.webhook_failures,
            ended: ended_label(call.ended_by.as_deref()),
        }
    }
}

fn channel_label(channel: &str) -> &'static str {
    if channel == "sms" { "text" } else { "call" }
}

/// Why a call ended, in words.
fn ended_label(reason: Option<&str>) -> String {
    match reason {
        None => "not ended".to_owned(),
        Some("hangup") => "caller hung up".to_owned(),
        Some("task_ended") => "bot finished".to_owned(),
        Some("handoff") => "handed off".to_owned(),
        Some("no_input") => "caller silent".to_owned(),
        Some("max_turns") => "turn limit".to_owned(),
        Some("redirect_loop") => "redirect loop".to_owned(),
        Some("stop") => "caller texted STOP".to_owned(),
        Some("cancel") => "caller cancelled".to_owned(),
        Some(other) => other.replace('_', " "),
    }
}

#[derive(Template)]
#[template(path = "console/calls.html")]
struct CallsPage<'a> {
    csrf: String,
    current: &'static str,
    query: &'a CallsQuery,
    tasks: Vec<String>,
    statuses: [(&'static str, &'static str); 4],
    calls: Vec<CallLine>,
    page: u32,
    newer: Option<String>,
    older: Option<String>,
}

/// `GET /console/calls`: every conversation, newest first, filtered.
pub(super) async fn calls(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallsQuery>,
) -> Response {
    let Some((keys, cookie)) = signed_in(&app, &headers) else {
        return see_other("/console/sign-in");
    };
    let mut filter = match query.filter() {
        Ok(filter) => filter,
        Err(problem) => return bad_request(&problem),
    };
    let paging = Paging::new(query.page);
    filter.limit = paging.limit();
    filter.offset = paging.offset();
    let mut rows = match app.inner.runner.store().calls_where(filter).await {
        Ok(rows) => rows,
        Err(e) => return unreadable(&e),
    };
    let (newer, older) = paging.cut(&mut rows, &format!("/console/calls?{}", query.filters()));
    page(
        CallsPage {
            csrf: keys.csrf(&cookie),
            current: "calls",
            query: &query,
            tasks: app
                .assistant()
                .tasks
                .iter()
                .map(|t| t.name.clone())
                .collect(),
            statuses: [
                ("", "any"),
                ("complete", "complete"),
                ("in_progress", "in progress"),
                ("incomplete", "incomplete"),
            ],
            calls: rows.iter().map(|c| CallLine::new(keys, c)).collect(),
            page: paging.number,
            newer,
            older,
        }
        .render(),
    )
}

/// One line of a transcript: who it is about and what happened.
struct Line {
    /// `caller`, `bot` or `engine`, for the style sheet.
    who: &'static str,
    text: String,
}

/// One turn of a transcript.
struct Turn {
    turn: i64,
    at: String,
    lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "console/call.html")]
struct CallPage {
    csrf: String,
    current: &'static str,
    id: String,
    started: String,
    channel: &'static str,
    caller: String,
    revealed: bool,
    /// Voice calls only: a CallSid names no one; a text conversation's key is two numbers.
    call_sid: Option<String>,
    length: String,
    turns: Vec<Turn>,
    tasks: String,
    collects: Vec<(String, String)>,
    ended: String,
}

/// `GET /console/calls/{id}`: a call's transcript, turn by turn.
pub(super) async fn call(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    show_call(&app, &headers, &id, false).await
}

/// `POST /console/calls/{id}/reveal`: the same page with the caller's whole number; logged.
pub(super) async fn reveal(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some((keys, cookie)) = signed_in(&app, &headers) else {
        return see_other("/console/sign-in");
    };
    if !keys.csrf_matches(&cookie, &form.csrf) {
        return guarded(
            (
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token: reveal a number from the call's own page\n",
            )
                .into_response(),
        );
    }
    show_call(&app, &headers, &id, true).await
}

async fn show_call(app: &AppState, headers: &HeaderMap, id: &str, reveal: bool) -> Response {
    let Some((keys, cookie)) = signed_in(app, headers) else {
        return see_other("/console/sign-in");
    };
    let not_found = || {
        guarded(
            (
                StatusCode::NOT_FOUND,
                "no such call: it may have been purged by the retention limit\n",
            )
                .into_response(),
        )
    };
    let Some((at, tag)) = id
        .split_once('-')
        .and_then(|(ms, tag)| Some((DateTime::from_timestamp_millis(ms.parse().ok()?)?, tag)))
    else {
        return not_found();
    };
    let store = app.inner.runner.store();
    let found = match store.calls_started_at(at).await {
        Ok(calls) => calls.into_iter().find(|c| keys.tag(&c.key) == tag),
        Err(e) => return unreadable(&e),
    };
    let Some(call) = found else {
        return not_found();
    };
    let history = match store.call_history(&call).await {
        Ok(history) => history,
        Err(e) => return unreadable(&e),
    };
    if reveal {
        // Which call, never the number: the log is read by more people than the console.
        tracing::info!(call = %id, "console: an operator revealed a caller's number");
    }
    let caller = match (&call.caller, reveal) {
        (Some(number), true) => number.clone(),
        (Some(number), false) => masked(number),
        (None, _) => "unknown".to_owned(),
    };
    page(
        CallPage {
            csrf: keys.csrf(&cookie),
            current: "calls",
            id: id.to_owned(),
            started: shown_time(call.started_at),
            channel: channel_label(&call.channel),
            caller,
            revealed: reveal || call.caller.is_none(),
            call_sid: (call.channel != "sms").then(|| call.key.clone()),
            length: duration(&call),
            turns: history
                .iter()
                .map(|row| transcript_turn(row, call.channel == "sms"))
                .collect(),
            tasks: call.tasks.join(", "),
            collects: call.collects.clone(),
            ended: ended_label(call.ended_by.as_deref()),
        }
        .render(),
    )
}

fn transcript_turn(row: &HistoryRow, texts: bool) -> Turn {
    Turn {
        turn: row.turn,
        at: row.at.format("%H:%M:%S%.3f").to_string(),
        lines: row
            .lines
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|line| line.iter())
            .map(|(kind, detail)| describe(kind, detail, texts))
            .collect(),
    }
}

/// A history line in words (`texts`: of a text conversation). Kinds this version does not
/// know are shown as they are stored.
fn describe(kind: &str, d: &Value, texts: bool) -> Line {
    let said = if texts { "texted" } else { "said" };
    let s = |key: &str| d.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let n = |key: &str| d.get(key).and_then(Value::as_f64);
    let engine = |text: String| Line {
        who: "engine",
        text,
    };
    match kind {
        "input" => Line {
            who: "caller",
            text: if let Some(text) = d.get("speech").and_then(Value::as_str) {
                match n("confidence") {
                    Some(c) => format!("{said} “{text}” (recogniser confidence {c:.2})"),
                    None => format!("{said} “{text}”"),
                }
            } else if let Some(digits) = d.get("digits").and_then(Value::as_str) {
                format!("pressed {digits}")
            } else if d.get("silence").is_some() {
                "said nothing".to_owned()
            } else if d.get("start").is_some() {
                "arrived".to_owned()
            } else if d.get("hangup").is_some() {
                "hung up".to_owned()
            } else if let Some(answer) = d.get("webhook").and_then(Value::as_str) {
                return engine(webhook_line(answer, d));
            } else {
                d.to_string()
            },
        },
        "route" => engine(
            if let Some(keys) = d.get("keypad").and_then(Value::as_str) {
                format!("keypad {keys} → task {}", s("task"))
            } else {
                let confidence = n("confidence").unwrap_or(0.0);
                let runner_up = match s("next_best").as_str() {
                    "" => String::new(),
                    other => format!("; runner-up {other}"),
                };
                match d.get("task").and_then(Value::as_str) {
                    Some(task) => {
                        format!("understood as task {task} (confidence {confidence:.2}{runner_up})")
                    }
                    None => format!(
                        "not understood: {} (closest {}, confidence {confidence:.2}{runner_up})",
                        match s("decision").as_str() {
                            "Unrelated" => "no word in common with any task",
                            "Empty" => "nothing to match",
                            _ => "below the threshold",
                        },
                        match s("best").as_str() {
                            "" => "none".to_owned(),
                            best => best.to_owned(),
                        }
                    ),
                }
            },
        ),
        "task" => engine(format!("task {} started", s("task"))),
        "fields" => engine(format!(
            "found in what was said: {}",
            d.get("found")
                .and_then(Value::as_array)
                .map(|f| f
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        )),
        "collect" => engine(format!("collect {} started", s("collect"))),
        "ask" => engine(format!(
            "asked {} (attempt {})",
            s("question"),
            n("attempt").unwrap_or(1.0)
        )),
        "answer" => engine(format!("accepted {}: {}", s("question"), s("value"))),
        "invalid" => engine(format!(
            "not accepted for {}: “{}”{}",
            s("question"),
            s("said"),
            if d.get("by").is_some() {
                " (by the validation web service)"
            } else {
                ""
            }
        )),
        "prefill" => engine(format!(
            "{} taken from the request ({})",
            s("question"),
            s("field")
        )),
        "end_collect" => engine(format!(
            "collect {} gave up at {}: too many attempts",
            s("collect"),
            s("question")
        )),
        "webhook_failed" => engine(format!(
            "web service failed: {}{}",
            s("reason"),
            if d.get("accepted_unvalidated").is_some() {
                "; the answer was accepted unvalidated"
            } else {
                ""
            }
        )),
        "webhook_unanswered" => {
            engine("the web service's answer never came; the answer is checked again".to_owned())
        }
        "end" => engine(format!(
            "ended: {}",
            ended_label(d.get("reason").and_then(Value::as_str))
        )),
        "flows" => engine(match d.get("was").and_then(Value::as_str) {
            Some(was) => format!(
                "flows version {} (its own version {was} was no longer held)",
                s("version")
            ),
            None => format!("on flows version {}", s("version")),
        }),
        "branch" => engine(match d.get("arm").and_then(Value::as_u64) {
            Some(arm) => format!("choice {arm} held → {}", s("to")),
            None => format!("no choice held: the default → {}", s("to")),
        }),
        "ambiguous" => engine(format!(
            "{} could be {} or {}: asked which",
            s("question"),
            s("am"),
            s("pm")
        )),
        "language" => engine(format!("the call speaks {} from here on", s("language"))),
        "restart" => engine("caller asked to start over".to_owned()),
        "operator" => engine("caller asked for a person".to_owned()),
        "entry" => engine(format!("no task {} to start at", s("unknown_target_task"))),
        "reply" => Line {
            who: "bot",
            text: {
                let words: Vec<&str> = d
                    .get("said")
                    .and_then(Value::as_array)
                    .map(|s| s.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let next = match s("next").as_str() {
                    "listen" if texts => "then waited for a reply",
                    "listen" => "then listened",
                    "hangup" => "then hung up",
                    "handoff" => "then handed the call off",
                    _ => "",
                };
                if words.is_empty() {
                    next.to_owned()
                } else {
                    format!("{said} “{}”, {next}", words.join(" "))
                }
            },
        },
        other => engine(format!("{other}: {d}")),
    }
}

/// A web service's answer: where, how it went and how long it took.
fn webhook_line(answer: &str, d: &Value) -> String {
    let status = d
        .get("status")
        .and_then(Value::as_u64)
        .map_or_else(|| "no answer".to_owned(), |s| format!("HTTP {s}"));
    let ms = d.get("ms").and_then(Value::as_u64).unwrap_or(0);
    let url = d
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or("(address not recorded)");
    let what = match answer {
        "actions" => "answered with actions".to_owned(),
        "verdict" => format!(
            "judged the answer {}",
            if d.get("valid") == Some(&Value::Bool(true)) {
                "valid"
            } else {
                "invalid"
            }
        ),
        _ => format!(
            "failed: {}",
            d.get("reason").and_then(Value::as_str).unwrap_or("unknown")
        ),
    };
    format!("web service {url}: {status} in {ms} ms, {what}")
}
