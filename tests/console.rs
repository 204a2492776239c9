//! The operator console through the real router: who gets in (sign-in, the cookie's flags,
//! rate-limited failures, CSRF on sign-out), the headers every page carries, the Answers page
//! with its filters and downloads, the Calls list and a call's transcript, and what callers said
//! escaped on the page.

mod common;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{Request, Response, StatusCode};
use common::TestApp;
use switchboard::http::admin::AdminToken;
use switchboard::http::{AppState, router};
use switchboard::runner::{Runner, RunnerOptions};
use switchboard::store::Store;
use tower::ServiceExt;

const TOKEN: &str = "console-admin-token-0123456789";

/// A bot that asks for a comment (free text: anything the caller says is kept) and a sensitive
/// date of birth, which its thanks repeat.
fn flows() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    common::write_flow(
        dir.path(),
        "assistant",
        &serde_json::json!({"defaults": {"assistant_initiation": "task://feedback"}}),
    );
    common::write_flow(
        dir.path(),
        "feedback",
        &serde_json::json!({"actions": [{"collect": {"name": "feedback", "questions": [
            {"name": "comment", "question": "Any comments?"},
            {"name": "dob", "question": "Your date of birth?", "type": "Twilio.DATE", "sensitive": true}],
            "on_complete": {"redirect": "task://thanks"}}}]}),
    );
    common::write_flow(
        dir.path(),
        "thanks",
        &serde_json::json!({"actions": [{"say": "Thanks. We have {{feedback.dob}} on file."}]}),
    );
    dir
}

/// The console's router over a fresh database, with the admin token set.
struct Console {
    _flows: Option<tempfile::TempDir>,
    app: TestApp,
    router: axum::Router,
}

impl Console {
    fn new() -> Console {
        Console::on(flows())
    }

    /// The console over the repository's sign-up bot.
    fn on_repo_flows() -> Console {
        Console::at(&common::repo_flows(), None)
    }

    fn on(flows: tempfile::TempDir) -> Console {
        let path = flows.path().to_path_buf();
        Console::at(&path, Some(flows))
    }

    /// The console of a server whose public URL is `public_url`.
    fn behind(public_url: &str) -> Console {
        let mut console = Console::new();
        let runner = console.runner();
        console.router = router(
            AppState::with_admin(runner, None, AdminToken::new(TOKEN))
                .with_public_url(Some(public_url)),
        );
        console
    }

    /// A new runner on the console's database and flows, for a router built differently.
    fn runner(&self) -> Runner {
        let store = Store::open(&self.app.db).expect("store");
        Runner::new(self.app.assistant.clone(), store, RunnerOptions::default()).expect("runner")
    }

    fn at(flows_dir: &std::path::Path, flows: Option<tempfile::TempDir>) -> Console {
        let app = TestApp::with_flows(flows_dir);
        let store = Store::open(&app.db).expect("store");
        let runner =
            Runner::new(app.assistant.clone(), store, RunnerOptions::default()).expect("runner");
        let router = router(AppState::with_admin(runner, None, AdminToken::new(TOKEN)));
        Console {
            _flows: flows,
            app,
            router,
        }
    }

    async fn send(&self, request: Request<Body>) -> (Response<()>, String) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        (
            Response::from_parts(parts, ()),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (Response<()>, String) {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    async fn post(&self, path: &str, form: &str, cookie: Option<&str>) -> (Response<()>, String) {
        let mut request =
            Request::post(path).header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).expect("request"))
            .await
    }

    /// Signs in and returns the `name=value` to send back as the cookie.
    async fn sign_in(&self) -> String {
        let (response, _) = self
            .post("/console/sign-in", &format!("token={TOKEN}"), None)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let set = header(&response, SET_COOKIE);
        set.split(';').next().expect("name=value").to_owned()
    }

    /// A call that starts and says each of `said`; returns the replies' texts.
    async fn say(&self, sid: &str, said: &[&str]) -> Vec<String> {
        let post = |form: Vec<(&str, &str)>, path: &'static str| {
            let body = serde_urlencoded::to_string(form).expect("encodes");
            Request::post(path)
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request")
        };
        self.send(post(
            vec![
                ("CallSid", sid),
                ("From", "+15551230000"),
                ("To", "+15559990000"),
            ],
            "/voice",
        ))
        .await;
        let mut replies = Vec::new();
        for text in said {
            let (_, reply) = self
                .send(post(
                    vec![
                        ("CallSid", sid),
                        ("SpeechResult", text),
                        ("Confidence", "0.8"),
                    ],
                    "/voice/gather",
                ))
                .await;
            replies.push(reply);
        }
        replies
    }

    /// A call through the webhooks (as Twilio would post them) that answers both questions.
    async fn call(&self, sid: &str, comment: &str) {
        let replies = self.say(sid, &[comment, "March 3rd 1990"]).await;
        assert!(replies[1].contains("Thanks."), "{replies:?}");
    }
}

fn header(response: &Response<()>, name: axum::http::HeaderName) -> String {
    response
        .headers()
        .get(&name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The headers every console response carries.
#[track_caller]
fn assert_guarded(response: &Response<()>) {
    let csp = header(response, "content-security-policy".parse().expect("name"));
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(
        header(response, "x-frame-options".parse().expect("name")),
        "DENY"
    );
    assert_eq!(
        header(response, "x-content-type-options".parse().expect("name")),
        "nosniff"
    );
}

#[tokio::test]
async fn without_an_admin_token_there_is_no_console() {
    let app = TestApp::new();
    for path in ["/console", "/console/sign-in", "/console/answers"] {
        let (status, _) = app.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn every_page_wants_a_sign_in_and_downloads_say_401() {
    let console = Console::new();
    for path in [
        "/console",
        "/console/answers",
        "/console/answers?page=2",
        "/console/calls",
        "/console/calls/1-00",
    ] {
        let (response, _) = console.get(path, None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(header(&response, LOCATION), "/console/sign-in", "{path}");
        assert_guarded(&response);
    }
    for path in ["/console/answers.csv", "/console/answers.json"] {
        let (response, _) = console.get(path, None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // Revealing a number, too, wants a session before anything else.
    let (response, _) = console
        .post("/console/calls/1-00/reveal", "csrf=00", None)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&response, LOCATION), "/console/sign-in");
    // A forged or foreign cookie is no better than none.
    let forged = "switchboard_console=99999999999.00.00";
    let (response, _) = console.get("/console/answers", Some(forged)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (response, page) = console.get("/console/sign-in", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_guarded(&response);
    assert_eq!(
        header(&response, "cache-control".parse().expect("name")),
        "no-store"
    );
    assert!(page.contains(r#"name="token" type="password""#), "{page}");
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_expiring_cookie() {
    let console = Console::new();
    let (response, _) = console
        .post("/console/sign-in", &format!("token={TOKEN}"), None)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header(&response, LOCATION), "/console/overview");
    let cookie = header(&response, SET_COOKIE);
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP without --public-url: {cookie}"
    );
    let cookie = cookie.split(';').next().expect("name=value").to_owned();
    let (response, page) = console.get("/console/answers", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{page}");
    assert_guarded(&response);
    assert_eq!(
        header(&response, "cache-control".parse().expect("name")),
        "no-store"
    );
}

#[tokio::test]
async fn wrong_tokens_are_refused_and_a_run_of_them_locks_sign_in_for_a_minute() {
    let console = Console::new();
    for _ in 0..5 {
        let (response, page) = console.post("/console/sign-in", "token=guess", None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(page.contains("That is not the admin token."), "{page}");
        assert!(header(&response, SET_COOKIE).is_empty());
    }
    let (response, page) = console
        .post("/console/sign-in", &format!("token={TOKEN}"), None)
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{page}");
    assert!(header(&response, SET_COOKIE).is_empty());
}

#[tokio::test]
async fn signing_out_needs_the_pages_csrf_token() {
    let console = Console::new();
    let cookie = console.sign_in().await;
    let (response, _) = console.post("/console/sign-out", "", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (response, _) = console
        .post("/console/sign-out", "csrf=00ff", Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, page) = console.get("/console/answers", Some(&cookie)).await;
    let csrf = page
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries its CSRF token");
    let (response, _) = console
        .post("/console/sign-out", &format!("csrf={csrf}"), Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cleared = header(&response, SET_COOKIE);
    assert!(
        cleared.starts_with("switchboard_console=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
}

#[tokio::test]
async fn answers_are_listed_escaped_masked_filtered_and_downloadable() {
    let console = Console::new();
    console
        .call("CAone", "<script>alert('owned')</script>")
        .await;
    console.call("CAtwo", "the music on hold is lovely").await;
    let cookie = console.sign_in().await;

    let (response, page) = console.get("/console/answers", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(page.contains("the music on hold is lovely"), "{page}");
    // What a caller said is text on the page, never markup.
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("&#60;script&#62;alert(&#39;owned&#39;)&#60;/script&#62;"),
        "{page}"
    );
    // Sensitive answers are never shown; numbers only by their last digits.
    assert!(
        page.contains("[sensitive]") && !page.contains("sha256:"),
        "{page}"
    );
    assert!(
        page.contains("•••• 0000") && !page.contains("5551230000"),
        "{page}"
    );
    // Newest first.
    assert!(page.find("CAtwo") < page.find("CAone"), "{page}");

    let (_, filtered) = console
        .get("/console/answers?status=in_progress", Some(&cookie))
        .await;
    assert!(filtered.contains("No answers match."), "{filtered}");
    let (_, filtered) = console
        .get(
            "/console/answers?collect=feedback&status=complete&from=2000-01-01",
            Some(&cookie),
        )
        .await;
    assert!(
        filtered.contains("CAone") && filtered.contains("CAtwo"),
        "{filtered}"
    );
    let (_, filtered) = console
        .get("/console/answers?to=2000-01-01", Some(&cookie))
        .await;
    assert!(filtered.contains("No answers match."), "{filtered}");
    let (response, problem) = console
        .get("/console/answers?from=yesterday", Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        problem.contains("from: expected a date as YYYY-MM-DD"),
        "{problem}"
    );

    // The downloads are `switchboard collected`'s formats, with the filters applied.
    let (response, csv) = console
        .get("/console/answers.csv?status=complete", Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        header(&response, "content-disposition".parse().expect("name")).contains("answers.csv")
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].ends_with(",comment,dob"), "{csv}");
    assert!(
        lines[1].contains("CAone") && lines[1].contains("<script>alert('owned')</script>"),
        "{csv}"
    );
    let expected = switchboard::store::export::to_csv(&console.app.collected());
    assert_eq!(csv, expected);
    let (_, json) = console.get("/console/answers.json", Some(&cookie)).await;
    let rows: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "{json}");
    assert_eq!(
        rows[1]["answers"][0]["value"],
        "the music on hold is lovely"
    );
}

#[tokio::test]
async fn what_callers_said_that_was_not_understood_is_grouped_with_the_line_to_add() {
    let console = Console::on_repo_flows();
    let (response, _) = console.get("/console/understood", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    console.say("CA1", &["purple elephant parade"]).await;
    console
        .say("CA2", &["Purple  elephant parade", "I'd like to register"])
        .await;
    console.say("CA3", &["<b>bold</b> move"]).await;
    let cookie = console.sign_in().await;
    let (response, page) = console.get("/console/understood", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{page}");
    assert_guarded(&response);
    // Said twice (case and spacing aside): one line, counted twice, declined, with its sample.
    let row = page
        .split("<tr>")
        .find(|row| row.contains("purple elephant parade"))
        .unwrap_or_else(|| panic!("no line for the utterance in {page}"));
    assert!(
        row.contains("<td>2</td>") && row.contains("declined"),
        "{row}"
    );
    assert!(row.contains("&#34;purple elephant parade&#34;,"), "{row}");
    // The one the matcher routed with confidence is not listed.
    assert!(!page.contains("like to register"), "{page}");
    // What a caller said is escaped.
    assert!(
        !page.contains("<b>bold</b>") && page.contains("&#60;b&#62;bold"),
        "{page}"
    );

    let (_, tried) = console
        .get("/console/understood?try=sign+me+up", Some(&cookie))
        .await;
    assert!(tried.contains("matched register"), "{tried}");
    let (_, tried) = console
        .get("/console/understood?try=zebra+xylophone", Some(&cookie))
        .await;
    assert!(tried.contains("declined"), "{tried}");
}

#[tokio::test]
async fn the_overview_counts_the_weeks_calls_collects_and_declines() {
    let console = Console::on_repo_flows();
    let (response, _) = console.get("/console/overview", None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    // Two calls: one signs up (a complete collect), one is not understood and hangs up.
    console
        .say("CA1", &["I'd like to register", "my name is Maria"])
        .await;
    let phone = Request::post("/voice/gather")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("CallSid=CA1&Digits=4155550123"))
        .expect("request");
    console.send(phone).await;
    console.say("CA2", &["purple elephant parade"]).await;
    let cookie = console.sign_in().await;
    let (response, page) = console.get("/console/overview", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{page}");
    assert_guarded(&response);
    let figure = |label: &str| {
        let before = page
            .split(&format!(r#"<span class="label">{label}"#))
            .next()
            .expect("the card");
        before
            .rsplit(r#"<span class="figure">"#)
            .next()
            .and_then(|rest| rest.split('<').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(figure("calls today"), "2", "{page}");
    assert_eq!(figure("calls, 7 days"), "2", "{page}");
    assert_eq!(figure("text conversations today"), "0", "{page}");
    // Two routed turns, one declined.
    assert_eq!(figure("of routed turns declined"), "50%", "{page}");
    assert_eq!(figure("web service failures"), "0", "{page}");
    // The signed-up call's collect, complete.
    let row = page
        .split("<tr>")
        .find(|row| row.contains("<td>user_information</td>"))
        .unwrap_or_else(|| panic!("no collect row in {page}"));
    assert!(row.contains("<td>1</td>") && row.contains("100%"), "{row}");
    // Today's bar has a title saying what it counts.
    assert!(page.contains(": 2 calls</title>"), "{page}");
}

#[tokio::test]
async fn behind_an_https_public_url_the_cookie_is_secure_even_without_signature_checks() {
    let console = Console::behind("https://bot.example.com");
    let (response, _) = console
        .post("/console/sign-in", &format!("token={TOKEN}"), None)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = header(&response, SET_COOKIE);
    assert!(cookie.contains("; Secure"), "{cookie}");
}

/// The link to the first call listed on a Calls page.
fn first_call_link(page: &str) -> String {
    page.split(r#"<a href="/console/calls/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| format!("/console/calls/{id}"))
        .unwrap_or_else(|| panic!("no call linked in {page}"))
}

#[tokio::test]
async fn a_calls_transcript_shows_each_turn_escaped_with_sensitive_answers_hidden() {
    let console = Console::new();
    console
        .call("CAone", "<script>alert('owned')</script>")
        .await;
    let cookie = console.sign_in().await;
    let (response, list) = console.get("/console/calls", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{list}");
    assert_guarded(&response);
    assert!(
        list.contains("•••• 0000") && !list.contains("5551230000"),
        "{list}"
    );
    assert!(list.contains("feedback: complete"), "{list}");
    assert!(list.contains("bot finished"), "{list}");
    let link = first_call_link(&list);
    // The address names the call by when it started and a tag, never by its key.
    assert!(!link.contains("CAone"), "{link}");

    let (response, page) = console.get(&link, Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{page}");
    assert_guarded(&response);
    assert_eq!(
        header(&response, "cache-control".parse().expect("name")),
        "no-store"
    );
    // Turn by turn: the caller's words with the recogniser's confidence, each question asked
    // and accepted, what the bot said, and how the call ended.
    for expected in [
        "arrived",
        "task feedback started",
        "asked comment (attempt 1)",
        "said “&#60;script&#62;alert(&#39;owned&#39;)&#60;/script&#62;” (recogniser confidence 0.80)",
        "accepted comment",
        "said “Any comments?”, then listened",
        "accepted dob: [sensitive]",
        "said “Thanks. We have [sensitive] on file.”, then hung up",
        "ended: bot finished",
    ] {
        assert!(page.contains(expected), "{expected:?} missing from {page}");
    }
    assert!(!page.contains("<script>alert"), "{page}");
    // The date of birth was said and repeated, and appears nowhere.
    assert!(
        !page.contains("1990") && !page.contains("March 3rd"),
        "{page}"
    );
    assert!(
        page.contains("•••• 0000") && !page.contains("5551230000"),
        "{page}"
    );

    // Revealing the number is a form with the page's CSRF token: without it, refused.
    let reveal = format!("{link}/reveal");
    let (response, _) = console.post(&reveal, "csrf=00", Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let csrf = page
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's CSRF token");
    let (response, revealed) = console
        .post(&reveal, &format!("csrf={csrf}"), Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{revealed}");
    assert!(revealed.contains("+15551230000"), "{revealed}");
    assert!(!revealed.contains("Reveal the number"), "{revealed}");

    // A call that does not exist, or an address that is not one, is a 404.
    for bad in [
        "/console/calls/1-0000000000000000",
        "/console/calls/nonsense",
    ] {
        let (response, _) = console.get(bad, Some(&cookie)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    let tag = link.rsplit('-').next().expect("a tag");
    let (response, _) = console
        .get(&link.replace(tag, "0123456789abcdef"), Some(&cookie))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn calls_are_filtered_by_channel_task_collect_status_and_trouble() {
    let console = Console::on_repo_flows();
    // One signs up (a complete collect); one is not understood and hangs up.
    console
        .say("CAsigned", &["I'd like to register", "my name is Maria"])
        .await;
    let phone = Request::post("/voice/gather")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("CallSid=CAsigned&Digits=4155550123"))
        .expect("request");
    console.send(phone).await;
    console.say("CAlost", &["purple elephant parade"]).await;
    let cookie = console.sign_in().await;
    let listed = |page: &str| {
        let links = page.matches(r#"<a href="/console/calls/"#).count();
        let signed = page.contains("user_information: complete");
        let lost = page.contains("1 declined");
        (links, signed, lost)
    };
    let (_, all) = console.get("/console/calls", Some(&cookie)).await;
    assert_eq!(listed(&all), (2, true, true), "{all}");
    // Newest first.
    assert!(
        all.find("1 declined") < all.find("user_information: complete"),
        "{all}"
    );
    for (query, expected) in [
        ("declined=on", (1, false, true)),
        ("task=register", (1, true, false)),
        ("status=complete", (1, true, false)),
        (
            "collect=user_information&status=incomplete",
            (0, false, false),
        ),
        ("channel=voice", (2, true, true)),
        ("channel=sms", (0, false, false)),
        ("failed=on", (0, false, false)),
        ("from=2000-01-01&to=2000-01-02", (0, false, false)),
    ] {
        let (response, page) = console
            .get(&format!("/console/calls?{query}"), Some(&cookie))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{query}: {page}");
        assert_eq!(listed(&page), expected, "{query}: {page}");
    }
    for bad in ["channel=fax", "status=done", "from=yesterday"] {
        let (response, problem) = console
            .get(&format!("/console/calls?{bad}"), Some(&cookie))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(problem.lines().count() == 1, "{problem}");
    }
    // The declined call's transcript says what was not understood and the closest task.
    let (_, declined) = console
        .get("/console/calls?declined=on", Some(&cookie))
        .await;
    let (_, page) = console
        .get(&first_call_link(&declined), Some(&cookie))
        .await;
    assert!(page.contains("said “purple elephant parade”"), "{page}");
    assert!(page.contains("not understood:"), "{page}");
}

#[tokio::test]
async fn a_text_conversation_is_listed_and_told_as_texts_without_its_numbers() {
    let console = Console::on_repo_flows();
    let text = |body: &'static str| {
        let form = serde_urlencoded::to_string([
            ("From", "+15557654321"),
            ("To", "+15559990000"),
            ("Body", body),
            ("MessageSid", "SM1"),
        ])
        .expect("encodes");
        Request::post("/sms")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .expect("request")
    };
    console.send(text("I'd like to register")).await;
    console.send(text("Maria")).await;
    let cookie = console.sign_in().await;
    let (_, list) = console
        .get("/console/calls?channel=sms", Some(&cookie))
        .await;
    assert!(list.contains("<td>text</td>"), "{list}");
    assert!(
        list.contains("•••• 4321") && !list.contains("5557654321"),
        "{list}"
    );
    let link = first_call_link(&list);
    assert!(!link.contains("555"), "{link}");
    let (_, voice_only) = console
        .get("/console/calls?channel=voice", Some(&cookie))
        .await;
    assert!(voice_only.contains("No calls match."), "{voice_only}");

    let (response, page) = console.get(&link, Some(&cookie)).await;
    assert_eq!(response.status(), StatusCode::OK, "{page}");
    assert!(page.contains("<h1>A text started"), "{page}");
    assert!(page.contains("texted “I&#39;d like to register”"), "{page}");
    assert!(page.contains("then waited for a reply"), "{page}");
    // A text conversation's key is its two numbers: not shown, unlike a CallSid.
    assert!(
        !page.contains("5557654321") && !page.contains("CallSid"),
        "{page}"
    );
}

#[tokio::test]
async fn the_overview_shows_the_flows_version_and_an_edit_that_did_not_load() {
    let mut console = Console::new();
    let runner = console.runner();
    let versions = std::sync::Arc::clone(runner.versions());
    console.router = router(AppState::with_admin(runner, None, AdminToken::new(TOKEN)));
    let cookie = console.sign_in().await;
    let (_, page) = console.get("/console/overview", Some(&cookie)).await;
    let version = &console.app.assistant.version;
    assert!(page.contains(&format!("<code>{version}</code>")), "{page}");
    assert!(!page.contains("was not loaded"), "{page}");
    // An edit with an error: shown, escaped, until a good edit loads.
    versions.refuse(
        &switchboard::flow::FlowErrors(vec![switchboard::flow::FlowError::new(
            std::path::Path::new("flows/tasks/done.json"),
            "actions[0].say",
            "placeholder `{{c.color}}` <b>names nothing</b>",
            "use c.colour",
        )]),
        chrono::Utc::now(),
    );
    let (_, page) = console.get("/console/overview", Some(&cookie)).await;
    assert!(
        page.contains("The last edit of the flows was not loaded"),
        "{page}"
    );
    assert!(
        page.contains("flows/tasks/done.json") && page.contains("&#60;b&#62;names nothing"),
        "{page}"
    );
    versions.install(console.app.assistant.clone());
    let (_, page) = console.get("/console/overview", Some(&cookie)).await;
    assert!(!page.contains("was not loaded"), "{page}");
}
