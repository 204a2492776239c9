//! The console in a real browser: Debian's Chromium, headless, driven through chromedriver
//! (WebDriver, with `fantoccini`) against a real `serve` process. It signs in, sees the
//! overview, opens the call the test made through the webhooks from the Calls list and reads
//! its transcript, reads that call's answers, follows the CSV
//! download link, tries an utterance on the Not understood page and signs out — and saves a
//! screenshot of each page under `target/console-screenshots/` (the README's are copies).
//!
//! Without `chromium` and `chromedriver` the test skips and says so; in CI (`CI=true`, where
//! `.ci/run` installs them) it fails instead.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{self, Server};
use fantoccini::{ClientBuilder, Locator};

const TOKEN: &str = "browser-test-admin-token";

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser and its driver, or None (having said why) where they are not installed.
fn driver() -> Option<(Driver, PathBuf)> {
    let find = |names: &[&str]| {
        names.iter().find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|path| path.is_file())
            })
        })
    };
    let (Some(chromedriver), Some(chromium)) = (
        find(&["chromedriver"]),
        find(&["chromium", "chromium-browser", "google-chrome"]),
    ) else {
        let why = "no chromium and chromedriver on PATH (apt-get install chromium chromium-driver)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs the browser test: {why}"
        );
        eprintln!("skipped: {why}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let give_up = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < give_up, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((driver, chromium))
}

/// Where the screenshots go: the target directory, kept between runs.
fn screenshots() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        )
        .join("console-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// A call through the webhooks that signs up (name, number) after first saying something the
/// bot does not understand.
fn make_a_call(server: &Server) {
    let sid = "CAbrowser0001";
    server.post(
        "/voice",
        &[
            ("CallSid", sid),
            ("From", "+15551230000"),
            ("To", "+15559990000"),
        ],
    );
    for said in [
        "can you tell me about parking",
        "I'd like to register",
        "my name is Maria",
    ] {
        server.post(
            "/voice/gather",
            &[
                ("CallSid", sid),
                ("SpeechResult", said),
                ("Confidence", "0.9"),
            ],
        );
    }
    let thanks = server.post(
        "/voice/gather",
        &[("CallSid", sid), ("Digits", "4155550123")],
    );
    assert!(thanks.contains("Thank you, Maria."), "{thanks}");
}

/// Asserts the browser is at `path`.
async fn assert_at(browser: &fantoccini::Client, path: &str) {
    let url = browser.current_url().await.expect("url");
    assert!(url.path().ends_with(path), "at {url}, expected {path}");
}

/// The page's source once it holds `needle`: a click that navigates may return before the new
/// page is there, so the test waits for what it expects (bounded), rather than race it.
async fn page_with(browser: &fantoccini::Client, needle: &str) -> String {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let page = browser.source().await.expect("source");
        if page.contains(needle) {
            return page;
        }
        assert!(Instant::now() < give_up, "no {needle:?} in:\n{page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks the link or button whose text is `text`.
async fn click(browser: &fantoccini::Client, text: &str) {
    browser
        .find(Locator::XPath(&format!(
            "//a[normalize-space()='{text}'] | //button[normalize-space()='{text}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("no {text:?} to click: {e}"))
        .click()
        .await
        .expect("click");
}

#[tokio::test]
async fn the_console_works_in_a_real_browser() {
    let Some((driver, chromium)) = driver() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("admin-token");
    std::fs::write(&token_file, TOKEN).expect("write");
    let mut cmd = process::serve(dir.path().join("switchboard.db"));
    cmd.arg("--admin-token-file").arg(&token_file);
    let server = tokio::task::spawn_blocking(move || Server::spawn(cmd))
        .await
        .expect("server");
    let addr: SocketAddr = server.addr();
    let server = tokio::task::spawn_blocking(move || {
        make_a_call(&server);
        server
    })
    .await
    .expect("call");

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let browser = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session");
    let shots = screenshots();
    let shot = |name: &'static str| {
        let browser = browser.clone();
        let path = shots.join(format!("{name}.png"));
        async move {
            let png = browser.screenshot().await.expect("screenshot");
            std::fs::write(&path, png).expect("save screenshot");
        }
    };
    let base = format!("http://{addr}");

    // Not signed in: the console sends the browser to the sign-in page.
    browser
        .goto(&format!("{base}/console/answers"))
        .await
        .expect("goto");
    assert_at(&browser, "/console/sign-in").await;
    browser
        .find(Locator::Css("#token"))
        .await
        .expect("token field")
        .send_keys(TOKEN)
        .await
        .expect("type");
    shot("sign-in").await;
    browser
        .form(Locator::Css("form.sign-in"))
        .await
        .expect("form")
        .submit()
        .await
        .expect("submit");

    // The overview, where signing in lands: today's call counted.
    page_with(&browser, "calls today").await;
    assert_at(&browser, "/console/overview").await;
    shot("overview").await;

    // The call made through the webhooks, on the Calls list and then its transcript.
    click(&browser, "Calls").await;
    let page = page_with(&browser, "<h1>Calls</h1>").await;
    assert!(
        page.contains("user_information: complete") && page.contains("1 declined"),
        "{page}"
    );
    assert!(
        page.contains("•••• 0000") && !page.contains("5551230000"),
        "{page}"
    );
    shot("calls").await;
    browser
        .find(Locator::Css("table a[href^='/console/calls/']"))
        .await
        .expect("the call's link")
        .click()
        .await
        .expect("click");
    let page = page_with(&browser, "<h2>Transcript</h2>").await;
    for said in [
        "said “can you tell me about parking” (recogniser confidence 0.90)",
        "not understood:",
        "understood as task register",
        "pressed 4155550123",
        "accepted user_phone_number",
        "task registered started",
        "said “Thank you, Maria.",
    ] {
        assert!(page.contains(said), "{said:?} missing from {page}");
    }
    shot("call").await;

    // The answers of the call, the number masked.
    click(&browser, "Answers").await;
    let page = page_with(&browser, "<h1>Answers</h1>").await;
    assert_at(&browser, "/console/answers").await;
    assert!(
        page.contains("Maria") && page.contains("4155550123"),
        "{page}"
    );
    assert!(
        page.contains("•••• 0000") && !page.contains("5551230000"),
        "{page}"
    );
    shot("answers").await;

    // The CSV link gives the same file `switchboard collected --format csv` prints.
    let link = browser
        .find(Locator::LinkText("CSV"))
        .await
        .expect("CSV link")
        .attr("href")
        .await
        .expect("href")
        .expect("an href");
    let cookie = browser
        .get_named_cookie("switchboard_console")
        .await
        .expect("the session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    let csv = tokio::task::spawn_blocking(move || {
        process::request(
            addr,
            &format!("GET {link}"),
            &[("Cookie", &format!("switchboard_console={}", cookie.value()))],
            "",
        )
    })
    .await
    .expect("download");
    assert!(csv.starts_with("HTTP/1.1 200"), "{csv}");
    assert!(
        csv.contains("CAbrowser0001") && csv.contains(",Maria,+14155550123"),
        "{csv}"
    );

    // Not understood: the sentence the bot declined, and a try of another.
    click(&browser, "Not understood").await;
    page_with(&browser, "can you tell me about parking").await;
    browser
        .find(Locator::Css("input[name=try]"))
        .await
        .expect("try box")
        .send_keys("sign me up please")
        .await
        .expect("type");
    click(&browser, "Match it").await;
    page_with(&browser, "matched register").await;
    shot("not-understood").await;

    // Signing out ends the session in the browser.
    click(&browser, "Sign out").await;
    page_with(&browser, r#"name="token""#).await;
    browser
        .goto(&format!("{base}/console/answers"))
        .await
        .expect("goto");
    assert_at(&browser, "/console/sign-in").await;
    browser.close().await.expect("close");
    drop(server);
}
