//! The operator console at `/console`: server-rendered HTML (askama), no JavaScript, for the
//! people who run a phone line and want to see what callers answered.
//!
//! It exists only when an admin token is set. Signing in with that token sets a signed,
//! expiring session cookie ([`session`]); every page and download checks it, pages sending the
//! browser to the sign-in form and downloads answering 401. Forms that change something carry
//! a CSRF token. Every response forbids framing and caching and allows no script at all; what
//! callers said reaches the page only through askama's HTML escaping.
//!
//! Pages: Overview (the last 7 days in figures and a chart), Calls (every conversation,
//! filtered) and a call's transcript ([`calls`]), Answers (with its CSV and JSON downloads)
//! and Not understood (what callers said that the matcher declined or nearly declined, and a
//! box to try any utterance).

mod calls;
pub mod session;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use crate::store::{AnswersFilter, CollectedRow};

/// Rows on a page of a list (answers, calls).
const PAGE_ROWS: u32 = 50;

/// Which page of a list a request asks for, and the links to its neighbours.
struct Paging {
    /// From 1.
    number: u32,
}

impl Paging {
    fn new(page: Option<u32>) -> Paging {
        Paging {
            number: page.unwrap_or(1).max(1),
        }
    }

    /// Rows to read: one more than a page, to know whether there is an older page without
    /// counting them all.
    fn limit(&self) -> u32 {
        PAGE_ROWS + 1
    }

    /// Rows to skip.
    fn offset(&self) -> u32 {
        (self.number - 1).saturating_mul(PAGE_ROWS)
    }

    /// Cuts `rows` (read with [`Paging::limit`]) to the page and gives the links to the newer
    /// and older pages, each `base` (ending in `?` and the filters) and the page number.
    fn cut<T>(&self, rows: &mut Vec<T>, base: &str) -> (Option<String>, Option<String>) {
        let more = rows.len() > PAGE_ROWS as usize;
        rows.truncate(PAGE_ROWS as usize);
        let link = |n: u32| format!("{base}&page={n}");
        (
            (self.number > 1).then(|| link(self.number - 1)),
            more.then(|| link(self.number + 1)),
        )
    }
}

/// The console's routes, for the main router (only with an admin token).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .route("/console/sign-in", get(sign_in_page).post(sign_in))
        .route("/console/sign-out", post(sign_out))
        .route("/console/calls", get(calls::calls))
        .route("/console/calls/{id}", get(calls::call))
        .route("/console/calls/{id}/reveal", post(calls::reveal))
        .route("/console/answers", get(answers))
        .route("/console/answers.csv", get(answers_csv))
        .route("/console/answers.json", get(answers_json))
        .route("/console/understood", get(understood))
        .route("/console/overview", get(overview))
        .route("/console/console.css", get(style_sheet))
}

/// The headers every console response carries: no framing, no sniffing, no referrer, no
/// script, style only from here, and nothing kept in caches (pages hold personal data).
fn guarded(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        HeaderName::from_static("content-security-policy"),
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, HeaderName::from_static("x-frame-options"), "DENY");
    set(
        headers,
        HeaderName::from_static("x-content-type-options"),
        "nosniff",
    );
    set(
        headers,
        HeaderName::from_static("referrer-policy"),
        "no-referrer",
    );
    if !headers.contains_key(CACHE_CONTROL) {
        set(headers, CACHE_CONTROL, "no-store");
    }
    response
}

/// A 400 for a filter that does not parse, saying which and why in one line.
fn bad_request(problem: &str) -> Response {
    guarded((StatusCode::BAD_REQUEST, format!("{problem}\n")).into_response())
}

/// A redirect after a form or to the sign-in page.
fn see_other(to: &'static str) -> Response {
    guarded((StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response())
}

/// The console's keys and the session cookie the request carries, if it is a valid one.
fn signed_in<'a>(app: &'a AppState, headers: &HeaderMap) -> Option<(&'a session::Keys, String)> {
    let keys = app.inner.console.as_deref()?;
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == session::COOKIE && keys.valid(value))
        .map(|(_, value)| (keys, value.to_owned()))
}

/// A rendered page, or a 500 saying the page could not be drawn (a template bug).
fn page(rendered: Result<String, askama::Error>) -> Response {
    guarded(match rendered {
        Ok(html) => ([(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not render a console page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not render the page\n",
            )
                .into_response()
        }
    })
}

async fn home(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if signed_in(&app, &headers).is_some() {
        see_other("/console/overview")
    } else {
        see_other("/console/sign-in")
    }
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    problem: Option<&'a str>,
}

async fn sign_in_page() -> Response {
    page(SignInPage { problem: None }.render())
}

#[derive(Deserialize)]
struct SignInForm {
    token: String,
}

async fn sign_in(State(app): State<AppState>, Form(form): Form<SignInForm>) -> Response {
    let (Some(keys), Some(admin)) = (&app.inner.console, &app.inner.admin) else {
        return guarded(StatusCode::NOT_FOUND.into_response());
    };
    let refuse = |status: StatusCode, problem: &str| {
        let mut response = page(
            SignInPage {
                problem: Some(problem),
            }
            .render(),
        );
        *response.status_mut() = status;
        response
    };
    if !keys.may_try() {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed sign-ins in the last minute. Wait a minute and try again.",
        );
    }
    if !admin.matches_token(&form.token) {
        keys.failed();
        tracing::warn!("refused a console sign-in with a wrong admin token");
        return refuse(StatusCode::UNAUTHORIZED, "That is not the admin token.");
    }
    let secure = app.inner.https;
    let cookie = format!(
        "{}={}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{}",
        session::COOKIE,
        keys.issue(),
        session::SESSION_HOURS * 3600,
        if secure { "; Secure" } else { "" }
    );
    tracing::info!("console sign-in");
    let mut response = see_other("/console/overview");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Some((keys, cookie)) = signed_in(&app, &headers) else {
        return see_other("/console/sign-in");
    };
    if !keys.csrf_matches(&cookie, &form.csrf) {
        return guarded(
            (
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token: sign out from the console's own page\n",
            )
                .into_response(),
        );
    }
    let mut response = see_other("/console/sign-in");
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static(
            "switchboard_console=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    response
}

/// The Answers page's filters as the query string carries them (empty: not filtered).
#[derive(Debug, Default, Deserialize)]
struct AnswersQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    collect: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<u32>,
}

impl AnswersQuery {
    /// The store's filter; a date that does not parse is a 400 naming it.
    fn filter(&self) -> Result<AnswersFilter, String> {
        let text = |t: &str| (!t.trim().is_empty()).then(|| t.trim().to_owned());
        Ok(AnswersFilter {
            from: day("from", &self.from)?,
            // "To" a day includes that day.
            until: day("to", &self.to)?.map(|d| d + chrono::Duration::days(1)),
            collect: text(&self.collect),
            status: text(&self.status),
            ..AnswersFilter::default()
        })
    }

    /// The filters alone, as a query string for links that keep them.
    fn filters(&self) -> String {
        serde_urlencoded::to_string([
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("collect", self.collect.as_str()),
            ("status", self.status.as_str()),
        ])
        .unwrap_or_default()
    }
}

/// A filter's day (`YYYY-MM-DD`, UTC) as the instant it starts; empty is no filter, and one
/// that does not parse is the problem to answer with, naming the field.
fn day(name: &str, text: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| Some(d.and_time(chrono::NaiveTime::MIN).and_utc()))
        .map_err(|_| format!("{name}: expected a date as YYYY-MM-DD, got {text:?}"))
}

/// One row of the Answers page, as shown.
struct AnswerRow {
    started: String,
    call: String,
    caller: String,
    collect: String,
    status: String,
    answers: Vec<(String, String)>,
}

impl AnswerRow {
    fn new(row: &CollectedRow) -> AnswerRow {
        AnswerRow {
            started: row
                .started_at
                .chars()
                .take(19)
                .collect::<String>()
                .replace('T', " "),
            call: shown_key(&row.session),
            caller: row.caller.as_deref().map(masked).unwrap_or_default(),
            collect: row.collect.clone(),
            status: row.status.clone(),
            answers: row
                .answers
                .iter()
                .map(|a| {
                    // A sensitive answer is kept only as its keyed hash: say so, not the hash.
                    let value = if a.value.starts_with("sha256:") && a.said.is_empty() {
                        "[sensitive]".to_owned()
                    } else {
                        a.value.clone()
                    };
                    (a.question.clone(), value)
                })
                .collect(),
        }
    }
}

/// A session key as a page may show it: a call's CallSid names no one, but a text
/// conversation's key is its two numbers, so it shows as the caller's, masked.
fn shown_key(key: &str) -> String {
    match key
        .strip_prefix("sms:")
        .and_then(|pair| pair.rsplit_once(':'))
    {
        Some((_, from)) => format!("text from {}", masked(from)),
        None => key.to_owned(),
    }
}

/// A phone number shown by its last four digits: enough to tell calls apart on screen.
fn masked(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() <= 4 {
        return "••••".to_owned();
    }
    let last: String = digits[digits.len() - 4..].iter().collect();
    format!("•••• {last}")
}

#[derive(Template)]
#[template(path = "console/answers.html")]
struct AnswersPage<'a> {
    csrf: String,
    current: &'static str,
    query: &'a AnswersQuery,
    statuses: [(&'static str, &'static str); 4],
    filter_query: String,
    rows: Vec<AnswerRow>,
    page: u32,
    newer: Option<String>,
    older: Option<String>,
}

async fn answers(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AnswersQuery>,
) -> Response {
    let Some((keys, cookie)) = signed_in(&app, &headers) else {
        return see_other("/console/sign-in");
    };
    let mut filter = match query.filter() {
        Ok(filter) => filter,
        Err(problem) => return bad_request(&problem),
    };
    let paging = Paging::new(query.page);
    filter.newest_first = true;
    filter.limit = Some(paging.limit());
    filter.offset = paging.offset();
    let mut rows = match app.inner.runner.store().collected_where(filter).await {
        Ok(rows) => rows,
        Err(e) => return unreadable(&e),
    };
    let filters = query.filters();
    let (newer, older) = paging.cut(&mut rows, &format!("/console/answers?{filters}"));
    page(
        AnswersPage {
            csrf: keys.csrf(&cookie),
            current: "answers",
            query: &query,
            statuses: [
                ("", "any"),
                ("complete", "complete"),
                ("in_progress", "in progress"),
                ("incomplete", "incomplete"),
            ],
            filter_query: filters,
            rows: rows.iter().map(AnswerRow::new).collect(),
            page: paging.number,
            newer,
            older,
        }
        .render(),
    )
}

/// The rows a download's filters select, oldest first, or the response to give instead.
async fn download_rows(
    app: &AppState,
    headers: &HeaderMap,
    query: &AnswersQuery,
) -> Result<Vec<CollectedRow>, Response> {
    if signed_in(app, headers).is_none() {
        return Err(guarded(
            (StatusCode::UNAUTHORIZED, "sign in to the console first\n").into_response(),
        ));
    }
    let filter = query.filter().map_err(|problem| bad_request(&problem))?;
    app.inner
        .runner
        .store()
        .collected_where(filter)
        .await
        .map_err(|e| unreadable(&e))
}

async fn answers_csv(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AnswersQuery>,
) -> Response {
    match download_rows(&app, &headers, &query).await {
        Ok(rows) => download(
            crate::store::export::to_csv(&rows),
            "text/csv; charset=utf-8",
            "attachment; filename=\"answers.csv\"",
        ),
        Err(response) => response,
    }
}

async fn answers_json(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AnswersQuery>,
) -> Response {
    match download_rows(&app, &headers, &query).await {
        Ok(rows) => match serde_json::to_string_pretty(&rows) {
            Ok(json) => download(
                json + "\n",
                "application/json",
                "attachment; filename=\"answers.json\"",
            ),
            Err(e) => unreadable(&e),
        },
        Err(response) => response,
    }
}

fn download(body: String, content_type: &'static str, disposition: &'static str) -> Response {
    guarded(
        (
            [
                (CONTENT_TYPE, content_type),
                (CONTENT_DISPOSITION, disposition),
            ],
            body,
        )
            .into_response(),
    )
}

fn unreadable(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "console read failed");
    guarded(
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "could not read the database\n",
        )
            .into_response(),
    )
}

/// How close to the threshold a matched utterance counts as "nearly declined" (the engine
/// counts a call's such utterances by the same rule).
const NEARLY: f64 = crate::engine::NEARLY;

/// The windows the Not understood page offers, in days of calls: a month of a busy line's
/// history is read in about 70 ms (benches/console.rs); a longer one would make a slow page.
const DAY_CHOICES: [u32; 3] = [1, 7, 30];

#[derive(Debug, Default, Deserialize)]
struct UnderstoodQuery {
    #[serde(default)]
    days: Option<u32>,
    #[serde(default, rename = "try")]
    tried: String,
}

/// One utterance on the page: said this way, this many times.
struct UtteranceLine {
    said: String,
    count: usize,
    verdict: &'static str,
    confidence: String,
    last: String,
    sample: String,
}

/// The utterances that came closest to one task.
struct TaskGroup {
    task: String,
    lines: Vec<UtteranceLine>,
}

/// The matcher's verdict on the utterance tried, as `chat --explain` gives it.
struct Tried {
    decision: String,
    confidence: String,
    best: String,
    next_best: String,
    parts: Option<String>,
}

#[derive(Template)]
#[template(path = "console/understood.html")]
struct UnderstoodPage {
    csrf: String,
    current: &'static str,
    days: u32,
    day_choices: [u32; 3],
    margin: f64,
    threshold: String,
    tried: String,
    result: Option<Tried>,
    groups: Vec<TaskGroup>,
}

/// `GET /console/understood`: Autopilot's "queries" review. What callers said in the window's
/// calls that the matcher declined or nearly declined, grouped by the task each came closest
/// to, most frequent first, each with the sample line that would teach the bot; and a box to
/// try any utterance against the live matcher.
async fn understood(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<UnderstoodQuery>,
) -> Response {
    let Some((keys, cookie)) = signed_in(&app, &headers) else {
        return see_other("/console/sign-in");
    };
    let days = query.days.filter(|d| DAY_CHOICES.contains(d)).unwrap_or(7);
    let since = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let assistant = app.assistant().clone();
    let threshold = f64::from(assistant.matcher.threshold());
    let store = app.inner.runner.store();
    let lines = match store.route_lines(since, threshold + NEARLY).await {
        Ok(lines) => lines,
        Err(e) => return unreadable(&e),
    };
    let tried = query.tried.trim().to_owned();
    // With a sentence-embedding model a classification is tens of milliseconds of arithmetic:
    // off the request workers.
    let result = if tried.is_empty() {
        None
    } else {
        let text = tried.clone();
        tokio::task::spawn_blocking(move || explain(&assistant, &text))
            .await
            .ok()
    };
    page(
        UnderstoodPage {
            csrf: keys.csrf(&cookie),
            current: "understood",
            days,
            day_choices: DAY_CHOICES,
            margin: NEARLY,
            threshold: format!("{threshold:.2}"),
            tried,
            result,
            groups: grouped(&lines, threshold),
        }
        .render(),
    )
}

/// The declined and nearly declined utterances, grouped by closest task: the biggest groups
/// first, within a group the most frequent utterance first. Utterances count as the same when
/// they differ only in case and spacing.
fn grouped(lines: &[crate::store::RouteLine], threshold: f64) -> Vec<TaskGroup> {
    use std::collections::BTreeMap;
    /// One utterance's count so far.
    struct Tally {
        /// As first said.
        said: String,
        count: usize,
        declined: bool,
        lowest: f64,
        last: String,
    }
    // task → utterance, normalised → its tally
    let mut tasks: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
    for line in lines {
        let nearly = line.matched && line.confidence < threshold + NEARLY;
        if line.matched && !nearly {
            continue;
        }
        let task = line
            .best
            .clone()
            .unwrap_or_else(|| "(no task close)".to_owned());
        let key = line
            .said
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let tally = tasks
            .entry(task)
            .or_default()
            .entry(key)
            .or_insert_with(|| Tally {
                said: line.said.trim().to_owned(),
                count: 0,
                declined: false,
                lowest: f64::MAX,
                last: String::new(),
            });
        tally.count += 1;
        tally.declined |= !line.matched;
        tally.lowest = tally.lowest.min(line.confidence);
        if line.at > tally.last {
            tally.last.clone_from(&line.at);
        }
    }
    let mut groups: Vec<TaskGroup> = tasks
        .into_iter()
        .map(|(task, said)| {
            let mut lines: Vec<UtteranceLine> = said
                .into_values()
                .map(|t| UtteranceLine {
                    sample: serde_json::to_string(&t.said).unwrap_or_default() + ",",
                    count: t.count,
                    verdict: if t.declined { "declined" } else { "nearly" },
                    confidence: format!("{:.2}", t.lowest),
                    last: t
                        .last
                        .chars()
                        .take(16)
                        .collect::<String>()
                        .replace('T', " "),
                    said: t.said,
                })
                .collect();
            lines.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.said.cmp(&b.said)));
            TaskGroup { task, lines }
        })
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.lines.iter().map(|l| l.count).sum::<usize>()));
    groups
}

/// What the matcher makes of `text`, in words.
fn explain(assistant: &crate::flow::Assistant, text: &str) -> Tried {
    let c = assistant.matcher.classify(text, None);
    let name = |task: Option<(usize, f32)>| {
        task.and_then(|(i, score)| {
            assistant
                .tasks
                .get(i)
                .map(|t| format!("{} (score {score:.2})", t.name))
        })
        .unwrap_or_else(|| "none".to_owned())
    };
    let decision = match (c.task.and_then(|i| assistant.tasks.get(i)), c.decision) {
        (Some(task), _) => format!("matched {}", task.name),
        (None, crate::nlu::matcher::Decision::Unrelated) => {
            "declined: no content word in common with any task".to_owned()
        }
        (None, crate::nlu::matcher::Decision::Empty) => {
            "declined: nothing to match (empty or filler)".to_owned()
        }
        (None, _) => "declined: below the threshold".to_owned(),
    };
    Tried {
        decision,
        confidence: format!("{:.2}", c.confidence),
        best: name(c.best),
        next_best: name(c.next_best),
        parts: c
            .parts
            .map(|p| format!("string {:.2}, semantic {:.2}", p.string, p.semantic)),
    }
}

/// One day's bars on the overview's chart, in the SVG's coordinates (140 high, bars at most
/// 110 of it, a label below).
struct Bar {
    day: String,
    label: String,
    x: u32,
    calls: u64,
    texts: u64,
    calls_y: u64,
    calls_height: u64,
    texts_y: u64,
    texts_height: u64,
}

/// One collect's runs over the window.
struct CollectLine {
    name: String,
    complete: u64,
    incomplete: u64,
    in_progress: u64,
    rate: String,
}

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage {
    csrf: String,
    current: &'static str,
    calls_today: u64,
    texts_today: u64,
    calls_week: u64,
    texts_week: u64,
    in_progress: String,
    declined: String,
    webhook_failures: u64,
    latency: String,
    chart_width: u32,
    bars: Vec<Bar>,
    collects: Vec<CollectLine>,
    /// The flows version in force.
    version: String,
    /// An edit of the flows that did not load: when, and its errors.
    refused: Option<crate::versions::Refused>,
}

/// `GET /console/overview`: the last 7 days (today included, UTC) at a glance.
async fn overview(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some((keys, cookie)) = signed_in(&app, &headers) else {
        return see_other("/console/sign-in");
    };
    let today = chrono::Utc::now().date_naive();
    let first = today - chrono::Duration::days(6);
    let since = first.and_time(chrono::NaiveTime::MIN).and_utc();
    let store = app.inner.runner.store();
    let (activity, in_progress) =
        match tokio::try_join!(store.activity(since), store.sessions_in_progress()) {
            Ok(read) => read,
            Err(e) => return unreadable(&e),
        };
    let days: Vec<(String, u64, u64)> = (0..7)
        .map(|i| {
            let day = (first + chrono::Duration::days(i)).to_string();
            let (calls, texts) = activity
                .days
                .iter()
                .find(|d| d.0 == day)
                .map_or((0, 0), |d| (d.1, d.2));
            (day, calls, texts)
        })
        .collect();
    let tallest = days.iter().map(|d| d.1.max(d.2)).max().unwrap_or(0).max(1);
    let height = |n: u64| n * 110 / tallest;
    let bars = days
        .iter()
        .zip(0u32..)
        .map(|((day, calls, texts), i)| Bar {
            label: day.get(5..).unwrap_or(day).to_owned(),
            day: day.clone(),
            x: 10 + i * 70,
            calls: *calls,
            texts: *texts,
            calls_y: 120 - height(*calls),
            calls_height: height(*calls),
            texts_y: 120 - height(*texts),
            texts_height: height(*texts),
        })
        .collect();
    let (today_calls, today_texts) = days.last().map_or((0, 0), |d| (d.1, d.2));
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            "—".to_owned()
        } else {
            format!("{:.0}%", part as f64 * 100.0 / whole as f64)
        }
    };
    let latency = app
        .inner
        .metrics
        .as_ref()
        .and_then(crate::metrics::Metrics::turn_latency)
        .map_or_else(
            || "—".to_owned(),
            |(p50, p99)| format!("{:.0} / {:.0} ms", p50 * 1000.0, p99 * 1000.0),
        );
    page(
        OverviewPage {
            csrf: keys.csrf(&cookie),
            current: "overview",
            calls_today: today_calls,
            texts_today: today_texts,
            calls_week: days.iter().map(|d| d.1).sum(),
            texts_week: days.iter().map(|d| d.2).sum(),
            in_progress: in_progress.to_string(),
            declined: share(activity.declines, activity.routed),
            webhook_failures: activity.webhook_failures,
            latency,
            chart_width: 10 + 7 * 70,
            bars,
            version: app.inner.runner.assistant().version.clone(),
            refused: app.inner.runner.versions().refused(),
            collects: activity
                .collects
                .into_iter()
                .map(|(name, complete, incomplete, in_progress)| CollectLine {
                    rate: share(complete, complete + incomplete),
                    name,
                    complete,
                    incomplete,
                    in_progress,
                })
                .collect(),
        }
        .render(),
    )
}

/// The style sheet: the same for everyone, so it may be cached.
async fn style_sheet() -> Response {
    guarded(
        (
            [
                (CONTENT_TYPE, "text/css; charset=utf-8"),
                (CACHE_CONTROL, "public, max-age=3600"),
            ],
            include_str!("../../../templates/console/console.css"),
        )
            .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_one_row_more_than_it_shows_to_know_an_older_page_exists() {
        let first = Paging::new(None);
        assert_eq!((first.limit(), first.offset()), (PAGE_ROWS + 1, 0));
        let mut rows: Vec<u32> = (0..=PAGE_ROWS).collect();
        let (newer, older) = first.cut(&mut rows, "/console/calls?task=x");
        assert_eq!(rows.len(), PAGE_ROWS as usize);
        assert_eq!(newer, None);
        assert_eq!(older.as_deref(), Some("/console/calls?task=x&page=2"));

        let third = Paging::new(Some(3));
        assert_eq!(third.offset(), 2 * PAGE_ROWS);
        let mut last: Vec<u32> = (0..7).collect();
        let (newer, older) = third.cut(&mut last, "/console/answers?");
        assert_eq!(last.len(), 7);
        assert_eq!(newer.as_deref(), Some("/console/answers?&page=2"));
        assert_eq!(older, None);
        // Page 0 or none is the first.
        assert_eq!(Paging::new(Some(0)).number, 1);
    }

    #[test]
    fn a_text_conversations_key_is_shown_as_its_callers_masked_number() {
        assert_eq!(
            shown_key("sms:+15559990000:+15551230000"),
            "text from •••• 0000"
        );
        assert_eq!(shown_key("CA0123"), "CA0123");
    }
}
