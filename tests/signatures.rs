//! With an auth token configured, only webhooks signed by Twilio get through.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use switchboard::http::Auth;
use switchboard::signature::{AuthToken, sign};

const PUBLIC: &str = "https://bot.example.com";

fn app() -> TestApp {
    TestApp::with_auth(Auth {
        token: AuthToken::new("test-token"),
        public_url: PUBLIC.into(),
    })
}

/// The signature Twilio would send for `path` on the public URL.
fn signature(path: &str, form: &[(&str, &str)]) -> String {
    signature_for(&format!("{PUBLIC}{path}"), form)
}

fn signature_for(url: &str, form: &[(&str, &str)]) -> String {
    let pairs: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    sign(&AuthToken::new("test-token"), url, &pairs)
}

#[tokio::test]
async fn a_signed_webhook_is_answered() {
    let app = app();
    let form = [("CallSid", "CA1"), ("From", "+15551230000")];
    let (status, body) = app
        .post_signed("/voice", &form, &signature("/voice", &form))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("<Gather"), "{body}");
}

#[tokio::test]
async fn unsigned_or_forged_webhooks_get_403_and_change_nothing() {
    let app = app();
    let form = [("CallSid", "CA2"), ("From", "+15551230000")];

    let (status, body) = app.post("/voice", &form).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        "missing X-Twilio-Signature: this server only accepts webhooks signed by Twilio\n"
    );

    // Signed for other parameters, another path, or with another token.
    let other = [("CallSid", "CA2"), ("From", "+15550000000")];
    let wrong_token = sign(
        &AuthToken::new("other"),
        &format!("{PUBLIC}/voice"),
        &[("CallSid".into(), "CA2".into())],
    );
    for forged in [
        signature("/voice", &other),
        signature("/voice/gather", &form),
        wrong_token,
        "garbage".into(),
    ] {
        let (status, body) = app.post_signed("/voice", &form, &forged).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body.starts_with("invalid X-Twilio-Signature"), "{body}");
    }

    // None of it started a call: the first signed webhook still gets the greeting.
    let (status, body) = app
        .post_signed("/voice", &form, &signature("/voice", &form))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("What would you like to do?"), "{body}");
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let events: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE session_key = 'CA2'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(events, 1, "only the signed webhook reached the engine");
}

#[tokio::test]
async fn the_host_and_forwarded_headers_are_not_trusted() {
    // A forger signs for a URL of their own and claims it in the headers a proxy would set.
    // The URL checked is --public-url's, so the signature only fits the forger's URL.
    let app = app();
    let form = [("CallSid", "CA3"), ("From", "+15551230000")];
    let forged = signature_for("https://evil.example/voice", &form);
    let request = axum::http::Request::post("/voice")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .header("Forwarded", "host=evil.example;proto=https")
        .header("X-Twilio-Signature", forged)
        .body(axum::body::Body::from(
            serde_urlencoded::to_string(form).expect("encodes"),
        ))
        .expect("request");
    let (status, body) = app.send(request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn health_says_whether_anyone_can_post() {
    let (status, open) = TestApp::new().get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert!(open.contains("NOT checked"), "{open}");
    let (_, guarded) = app().get("/health").await;
    assert!(guarded.contains("signatures are checked"), "{guarded}");
}

#[tokio::test]
async fn every_webhook_is_guarded() {
    let app = app();
    for (path, form) in [
        (
            "/voice/gather",
            vec![("CallSid", "CA3"), ("SpeechResult", "register")],
        ),
        (
            "/voice/status",
            vec![("CallSid", "CA3"), ("CallStatus", "completed")],
        ),
        // Twilio back after a hold: as hostile as any webhook until its signature checks out.
        ("/voice/continue", vec![("CallSid", "CA3")]),
        (
            "/sms",
            vec![
                ("From", "+15551230000"),
                ("To", "+15559990000"),
                ("Body", "register"),
            ],
        ),
    ] {
        let (status, body) = app.post(path, &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
        let (status, body) = app.post_signed(path, &form, &signature(path, &form)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
}

#[tokio::test]
async fn collected_answers_are_only_served_with_the_admin_token() {
    use switchboard::http::admin::AdminToken;
    // Without a token the route does not exist.
    let (status, _) = TestApp::new().get("/admin/collected").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let app = TestApp::with_admin(AdminToken::new("admin-secret").expect("token"));
    app.call("CA1").await;
    app.say("CA1", "register").await;
    app.say("CA1", "Jason").await;
    let (status, body) = app.get("/admin/collected").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body.trim_end().lines().count(), 1);
    let (status, _) = app.get_with_bearer("/admin/collected", "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .get_with_bearer("/admin/collected", "admin-secret")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(rows[0]["answers"][0]["value"], "Jason");
}

/// A raw form POST to `/voice` with `signature` in `X-Twilio-Signature`.
async fn post_raw_signed(app: &TestApp, body: String, signature: &str) -> (StatusCode, String) {
    let request = axum::http::Request::post("/voice")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(axum::body::Body::from(body))
        .expect("request");
    app.send(request).await
}

/// `count` distinct three-letter names ("aaa", "aab", …).
fn three_letter_names(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let letter = |n: usize| char::from(b'a' + u8::try_from(n % 26).expect("< 26"));
            [letter(i / 676), letter(i / 26), letter(i)]
                .iter()
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn a_form_of_thousands_of_parameters_is_refused_before_its_signature_is_checked() {
    // The attack: 16,000 distinct names fit the 64 KiB body limit, and checking a bogus
    // signature over them used to cost quadratic CPU before the 403.
    let app = app();
    let names = three_letter_names(16_000);
    let body = names.join("&");
    assert!(body.len() <= switchboard::http::form::MAX_BODY);
    let (status, text) = post_raw_signed(&app, body, "bm90IGEgc2lnbmF0dXJl").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert_eq!(
        text,
        "more than 200 form parameters: Twilio's webhooks send a few dozen\n"
    );
}

#[tokio::test]
async fn a_form_at_the_parameter_cap_is_checked_like_any_other() {
    let app = app();
    let cap = switchboard::http::form::MAX_PARAMS;
    let mut form: Vec<(String, String)> = vec![
        ("CallSid".into(), "CAcap".into()),
        ("From".into(), "+15551230000".into()),
    ];
    form.extend(
        three_letter_names(cap - form.len())
            .into_iter()
            .map(|n| (n, "x".repeat(300))),
    );
    let body = serde_urlencoded::to_string(&form).expect("encodes");
    assert!(body.len() <= switchboard::http::form::MAX_BODY);

    let (status, text) = post_raw_signed(&app, body.clone(), "bm90IGEgc2lnbmF0dXJl").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a bogus signature at the cap: {text}"
    );
    assert!(text.starts_with("invalid X-Twilio-Signature"), "{text}");

    let good = sign(
        &AuthToken::new("test-token"),
        &format!("{PUBLIC}/voice"),
        &form,
    );
    let (status, text) = post_raw_signed(&app, body, &good).await;
    assert_eq!(status, StatusCode::OK, "a signed form at the cap: {text}");

    // One more parameter, however well signed, is over the cap.
    form.push(("zzz".into(), String::new()));
    let good = sign(
        &AuthToken::new("test-token"),
        &format!("{PUBLIC}/voice"),
        &form,
    );
    let body = serde_urlencoded::to_string(&form).expect("encodes");
    let (status, text) = post_raw_signed(&app, body, &good).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
}
