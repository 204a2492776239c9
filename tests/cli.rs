//! The `switchboard` binary as a user runs it: check, nlu match, collected, and serve — including
//! a SIGKILL in the middle of a call and a restart that carries on.

mod common;

use std::time::Duration;

use common::process::{Server, bin, repo_flows, with_stdin};

#[test]
fn check_accepts_the_repository_flows() {
    let out = bin()
        .args(["check", "--flows"])
        .arg(repo_flows())
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok") && stdout.contains("register"),
        "{stdout}"
    );
    // The threshold the matcher chose for these flows, and that it chose it.
    let line = stdout
        .lines()
        .find(|l| l.starts_with("matcher: declines below confidence "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.ends_with("(calibrated for these tasks)"), "{line}");
    let value: f32 = line["matcher: declines below confidence ".len()..]
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(value > 0.0 && value < 1.0, "{line}");
}

#[test]
fn check_names_the_file_the_place_and_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("tasks")).expect("mkdir");
    std::fs::write(
        dir.path().join("tasks/start.json"),
        r#"{"actions": [{"say": "Hi"}, {"colect": {}}, {"redirect": "task://goodby"}]}"#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("tasks/goodbye.json"),
        r#"{"actions": [{"say": "Bye"}"#,
    )
    .expect("write");
    let out = bin()
        .args(["check", "--flows"])
        .arg(dir.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("start.json: actions[1].colect: unknown action `colect`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `collect`?"), "{stderr}");
    assert!(
        stderr.contains("start.json: actions[2].redirect: no task named `goodby`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `task://goodbye`?"),
        "{stderr}"
    );
    assert!(stderr.contains("goodbye.json: line 1, column"), "{stderr}");
    assert!(stderr.contains("invalid JSON"), "{stderr}");
}

#[test]
fn serve_refuses_to_start_on_broken_flows() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("tasks")).expect("mkdir");
    std::fs::write(dir.path().join("tasks/a.json"), r#"{"actions": [{"collect": {"name": "x", "questions": [], "on_complete": {"redirect": "task://a"}}}]}"#).expect("write");
    let out = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("x.db"))
        .arg("--flows")
        .arg(dir.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("a collect needs at least one question"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing is created before the flows are valid"
    );
}

/// The JSON lines `nlu parse` prints for `input` with these extra arguments.
fn nlu_parse(args: &[&str], input: &str) -> Vec<serde_json::Value> {
    let out = with_stdin(bin().args(["nlu", "parse"]).args(args), input.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[test]
fn nlu_parse_prints_the_value_each_answer_parses_to() {
    let dates = nlu_parse(
        &["--type", "Twilio.DATE", "--today", "2026-11-25"],
        "the fifteenth\ntomorrow\npurple\n",
    );
    let values: Vec<&serde_json::Value> = dates.iter().map(|d| &d["value"]).collect();
    assert_eq!(
        values,
        [
            &serde_json::json!("2026-12-15"),
            &serde_json::json!("2026-11-26"),
            &serde_json::Value::Null
        ]
    );
    assert_eq!(dates[0]["text"], "the fifteenth");

    // Numbers come out as JSON numbers, as Memory carries them.
    let numbers = nlu_parse(
        &["--type", "Twilio.NUMBER"],
        "forty two\nthree point five\nnone\n",
    );
    assert_eq!(numbers[0]["value"], serde_json::json!(42));
    assert_eq!(numbers[1]["value"], serde_json::json!(3.5));
    assert_eq!(numbers[2]["value"], serde_json::Value::Null);

    // Keys pressed follow the keypad conventions (1 is yes).
    let keyed = nlu_parse(&["--type", "Twilio.YES_NO", "--keypad"], "1\n2\n");
    assert_eq!(keyed[0]["value"], "Yes");
    assert_eq!(keyed[1]["value"], "No");
}

#[test]
fn nlu_parse_reads_custom_types_from_the_flows_and_names_them_when_the_type_is_unknown() {
    let dir = tempfile::tempdir().expect("temp dir");
    common::write_flow(
        dir.path(),
        "assistant",
        &serde_json::json!({"field_types": [{"name": "pizza_size", "values": [{"value": "large", "synonyms": ["big"]}]}]}),
    );
    common::write_flow(
        dir.path(),
        "greeting",
        &serde_json::json!({"actions": [{"say": "Hi"}, {"listen": true}]}),
    );
    let flows = dir.path().to_str().expect("utf-8 path");
    let sizes = nlu_parse(
        &["--flows", flows, "--type", "pizza_size"],
        "a big one please\nsmall\n",
    );
    assert_eq!(sizes[0]["value"], "large");
    assert_eq!(sizes[1]["value"], serde_json::Value::Null);

    let out = with_stdin(
        bin().args(["nlu", "parse", "--flows", flows, "--type", "Twilio.COLOUR"]),
        b"red\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unknown field type \"Twilio.COLOUR\"") && stderr.contains("pizza_size"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn nlu_match_prints_one_json_line_per_utterance() {
    let out = with_stdin(
        bin().args(["nlu", "match", "--flows"]).arg(repo_flows()),
        b"I want to regster\nwhat's the capital of France\n",
    );
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["text"], "I want to regster");
    assert_eq!(lines[0]["task"], "register");
    assert!(
        lines[0]["confidence"]
            .as_f64()
            .is_some_and(|c| c > 0.0 && c <= 1.0)
    );
    assert_eq!(lines[1]["task"], serde_json::Value::Null);
}

#[test]
fn a_call_survives_kill_9_and_collected_shows_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");

    let server = Server::start(&db);
    assert!(
        server
            .post("/voice", &[("CallSid", "CA1"), ("From", "+15551230000")])
            .contains("What would you like to do?")
    );
    assert!(
        server
            .post(
                "/voice/gather",
                &[("CallSid", "CA1"), ("SpeechResult", "register")]
            )
            .contains("What is your name?")
    );
    assert!(
        server
            .post(
                "/voice/gather",
                &[("CallSid", "CA1"), ("SpeechResult", "Jason")]
            )
            .contains("phone number")
    );
    server.kill_9();

    let server = Server::start(&db);
    let reply = server.post(
        "/voice/gather",
        &[("CallSid", "CA1"), ("Digits", "4155550123#")],
    );
    assert!(reply.contains("Thank you, Jason."), "{reply}");
    let status = server.terminate();
    assert!(status.success(), "SIGTERM is a clean shutdown: {status:?}");

    let table = bin()
        .args(["collected", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("user_name=Jason; user_phone_number=+14155550123"),
        "{table}"
    );
    assert!(table.contains("complete"), "{table}");

    let json = bin()
        .args(["collected", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    assert_eq!(rows[0]["answers"][0]["value"], "Jason");

    let csv = bin()
        .args(["collected", "--format", "csv", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let csv = String::from_utf8_lossy(&csv.stdout);
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.ends_with("user_name,user_phone_number")),
        "{csv}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|r| r.ends_with("Jason,+14155550123")),
        "{csv}"
    );
}

#[test]
fn collected_explains_a_missing_database() {
    let out = bin()
        .args(["collected", "--db", "/nonexistent/none.db"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database at /nonexistent/none.db"));
}

#[test]
fn the_repository_flows_pass_their_conversation_tests_by_voice_and_by_text() {
    for channel in ["voice", "sms"] {
        let out = bin()
            .args(["test", "--channel", channel, "--flows"])
            .arg(repo_flows())
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{channel}:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.trim_end().ends_with("4 passed, 0 failed"),
            "{channel}:\n{stdout}"
        );
    }
}

#[test]
fn the_example_flows_pass_their_conversation_tests_by_voice_and_by_text() {
    let examples = repo_flows().join("examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&examples).expect("flows/examples") {
        let dir = entry.expect("entry").path();
        for channel in ["voice", "sms"] {
            let out = bin()
                .args(["test", "--channel", channel, "--flows"])
                .arg(&dir)
                .output()
                .expect("runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains(" passed, 0 failed"),
                "{} {channel}:\n{stdout}{}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        seen += 1;
    }
    assert!(seen >= 1, "flows/examples holds at least the pizza example");
}

#[test]
fn a_failing_conversation_test_shows_a_diff_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("wrong.txt");
    std::fs::write(&file, "caller: register\nbot: What is your email?\ncaller: Jason\nsaved user_information.user_name: Bob\n").expect("write");
    let out = bin()
        .args(["test", "--flows"])
        .arg(repo_flows())
        .arg(&file)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let expected = format!(
        "{}:2: bot: What is your email?\n  expected a reply containing: What is your email?\n  the bot said:                What is your name?",
        file.display()
    );
    assert!(stdout.contains(&expected), "{stdout}");
    assert!(
        stdout.contains("saved user_information.user_name: Bob"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("0 passed, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn a_malformed_conversation_test_names_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("typo.txt");
    std::fs::write(
        &file,
        "# a typo on line 3\ncaller: register\ncalller: Jason\n",
    )
    .expect("write");
    let out = bin()
        .args(["test", "--flows"])
        .arg(repo_flows())
        .arg(&file)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("{}:3: unknown step", file.display())),
        "{stdout}"
    );
}

#[test]
fn a_scripted_chat_collects_what_collected_then_shows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("chat.db");
    let out = with_stdin(
        bin()
            .args(["chat", "--explain", "--flows"])
            .arg(repo_flows())
            .arg("--db")
            .arg(&db),
        b"I want to register\n/silence\nJason\n/digits 4155550123\n/hangup\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for expected in [
        "bot> Hello!",
        "[matched task register",
        "bot> What is your name?",
        "bot> Sorry, I didn't get that.",
        "bot> Thank you, Jason.",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    let table = bin()
        .args(["collected", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&table.stdout)
            .contains("user_name=Jason; user_phone_number=+14155550123")
    );
}

#[test]
fn a_chat_that_stops_mid_question_keeps_the_answers_as_incomplete() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("chat.db");
    // The input ends (Ctrl-D, or the end of a script) while the bot waits for the number.
    let out = with_stdin(
        bin()
            .args(["chat", "--flows"])
            .arg(repo_flows())
            .arg("--db")
            .arg(&db),
        b"I want to register\nJason\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("phone number"), "{stdout}");
    let table = bin()
        .args(["collected", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let rows: serde_json::Value = serde_json::from_slice(&table.stdout).expect("json");
    assert_eq!(rows[0]["status"], "incomplete", "{rows}");
    assert_eq!(rows[0]["answers"][0]["value"], "Jason", "{rows}");
}

#[test]
fn a_chat_by_text_reads_like_messages() {
    let out = with_stdin(
        bin()
            .args(["chat", "--channel", "sms", "--flows"])
            .arg(repo_flows()),
        b"register\nhelp\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        !stdout.contains("bot> Hello!"),
        "a text conversation starts with the first text:\n{stdout}"
    );
    assert!(
        stdout.contains("bot> What is your name?") && stdout.contains("automated assistant"),
        "{stdout}"
    );
}

#[test]
fn a_chat_by_text_shows_a_reply_as_the_messages_the_phone_receives() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("tasks")).expect("tasks");
    std::fs::write(dir.path().join("assistant.json"), "{}").expect("assistant");
    // Two says make one message; a text past the 1,600 characters of one message makes two.
    let long = "We are open nine to five on weekdays and ten to two on Saturdays. ".repeat(30);
    std::fs::write(
        dir.path().join("tasks/hours.json"),
        serde_json::json!({"samples": ["when are you open", "opening hours"],
            "actions": [{"say": "Thanks for asking."}, {"say": "Here are our hours."}, {"listen": true}]})
            .to_string(),
    )
    .expect("task");
    std::fs::write(
        dir.path().join("tasks/everything.json"),
        serde_json::json!({"samples": ["tell me everything", "all the details"],
            "actions": [{"say": long}, {"listen": true}]})
        .to_string(),
    )
    .expect("task");
    let out = with_stdin(
        bin()
            .args(["chat", "--channel", "sms", "--flows"])
            .arg(dir.path()),
        b"when are you open\ntell me everything\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("bot> Thanks for asking. Here are our hours.\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("bot> (1/2) We are open") && stdout.contains("bot> (2/2) We are open"),
        "{stdout}"
    );
}

#[test]
fn nlu_eval_scores_labelled_utterances_and_names_bad_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(
        &cases,
        concat!(
            r#"{"text": "I want to regster", "task": "register"}"#,
            "\n",
            r#"{"text": "goodbye", "task": "goodbye"}"#,
            "\n",
            r#"{"text": "purple monkey dishwasher", "task": null}"#,
            "\n",
        ),
    )
    .expect("write");
    let out = bin()
        .args(["nlu", "eval", "--flows"])
        .arg(repo_flows())
        .arg("--cases")
        .arg(&cases)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("in scope:      2 cases, 2 right (100.0%)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("out of scope:  1 cases, 1 declined (recall 100.0%)"),
        "{stdout}"
    );

    std::fs::write(&cases, "{\"text\": \"hi\"}\nnot json\n").expect("write");
    let out = bin()
        .args(["nlu", "eval", "--flows"])
        .arg(repo_flows())
        .arg("--cases")
        .arg(&cases)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cases.jsonl:2: expected"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn require_signature_refuses_to_start_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = bin()
        .env_remove("TWILIO_AUTH_TOKEN")
        .args([
            "serve",
            "--require-signature",
            "--listen",
            "127.0.0.1:0",
            "--db",
        ])
        .arg(dir.path().join("x.db"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--require-signature: set TWILIO_AUTH_TOKEN")
    );
}

#[test]
fn purge_deletes_old_answers_and_keeps_recent_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    // Record a call through a real server, then age its rows by hand.
    let server = Server::start(&db);
    call(
        &server,
        "CA1",
        &[
            ("SpeechResult", "register"),
            ("SpeechResult", "Jason"),
            ("Digits", "4155550123"),
            ("SpeechResult", "goodbye"),
        ],
    );
    server.post("/voice", &[("CallSid", "CA2"), ("From", "+15551230001")]);
    server.terminate();
    let conn = rusqlite::Connection::open(&db).expect("db");
    conn.execute_batch(
        "UPDATE collected SET started_at = '2020-01-01T00:00:00.000Z', updated_at = '2020-01-01T00:00:00.000Z';
         UPDATE events SET session_created_at = '2020-01-01T00:00:00.000Z', at = '2020-01-01T00:00:00.000Z' WHERE session_key = 'CA1';
         UPDATE sessions SET created_at = '2020-01-01T00:00:00.000Z', updated_at = '2020-01-01T00:00:00.000Z' WHERE key = 'CA1';",
    )
    .expect("age");
    drop(conn);
    let out = bin()
        .args(["purge", "--older-than-days", "30", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("deleted 1 collected rows") && stdout.contains("1 finished sessions"),
        "{stdout}"
    );
    let conn = rusqlite::Connection::open(&db).expect("db");
    let count = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .expect("count")
    };
    assert_eq!(count("SELECT count(*) FROM collected"), 0);
    assert_eq!(
        count("SELECT count(*) FROM events WHERE session_key = 'CA1'"),
        0
    );
    assert!(
        count("SELECT count(*) FROM events WHERE session_key = 'CA2'") > 0,
        "recent history stays"
    );
    assert_eq!(
        count("SELECT count(*) FROM sessions WHERE key = 'CA2'"),
        1,
        "a live call stays"
    );
}

#[test]
fn a_corrupt_database_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("broken.db");
    std::fs::write(
        &db,
        b"this is not a database, just some bytes that look nothing like SQLite",
    )
    .expect("write");
    let out = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--flows"])
        .arg(repo_flows())
        .arg("--db")
        .arg(&db)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot open database {}", db.display()))
            && stderr.contains("not a database"),
        "{stderr}"
    );
}

#[test]
fn the_log_masks_phone_numbers_and_never_holds_answers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("calls.db"));
    let call = |path: &str, form: &[(&str, &str)]| {
        let mut form = form.to_vec();
        form.extend([
            ("CallSid", "CA1"),
            ("From", "+15551230000"),
            ("To", "+15559870000"),
        ]);
        server.post(path, &form)
    };
    call("/voice", &[]);
    call("/voice/gather", &[("SpeechResult", "register")]);
    call("/voice/gather", &[("SpeechResult", "Jason Bourne")]);
    let thanks = call("/voice/gather", &[("Digits", "4155550123#")]);
    assert!(thanks.contains("Thank you, Jason"), "{thanks}");
    let text = |body: &str| {
        server.post(
            "/sms",
            &[
                ("MessageSid", "SM1"),
                ("From", "+15551230000"),
                ("To", "+15559870000"),
                ("Body", body),
            ],
        )
    };
    text("register");
    text("Jason Bourne");
    text("my number is 415 555 0123");
    // Rejected requests are logged too; the rejection must not echo what was sent.
    let refused = server.send(
        "/voice/gather",
        &[("CallSid", "CA1"), ("Digits", "4155550123x")],
    );
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    std::thread::sleep(Duration::from_millis(200));

    let log = server.log();
    assert!(log.contains("turn"), "the turns are logged: {log}");
    for private in [
        "5551230000",
        "5559870000",
        "4155550123",
        "555 0123",
        "Jason",
        "Bourne",
    ] {
        assert!(!log.contains(private), "{private} in the log:\n{log}");
    }
}

#[test]
fn a_second_server_on_the_same_database_refuses_to_start_and_names_the_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    let first = Server::start(&db);
    let mut second = common::process::serve(&db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    // Without the lock the second server would listen and never exit: give it a few seconds.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = second.try_wait().expect("waits") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut second.stderr.take().expect("stderr"), &mut stderr)
        .expect("reads");
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(1),
        "the second server must refuse to start: {stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "another switchboard (pid {}) is serving {}: stop it, or give this one another --db",
            first.pid(),
            db.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
    // The first server was not disturbed, and once it stops the file is free again.
    first.post("/voice", &[("CallSid", "CA1"), ("From", "+15551230000")]);
    assert!(first.terminate().success());
    Server::start(&db).terminate();
}

#[test]
fn collected_and_purge_work_beside_a_running_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    let server = Server::start(&db);
    call(
        &server,
        "CA1",
        &[("SpeechResult", "register"), ("SpeechResult", "Jason")],
    );

    let out = bin()
        .args(["collected", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(table.contains("user_name=Jason"), "{table}");

    let out = bin()
        .args(["purge", "--older-than-days", "30", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The server carries on with the call after both.
    let reply = server.post(
        "/voice/gather",
        &[("CallSid", "CA1"), ("Digits", "4155550123#")],
    );
    assert!(reply.contains("Thank you, Jason."), "{reply}");
}

/// A call from +1 555 123 0000 to a running server: its first webhook, then one gather per
/// answer, each a parameter name and value (`SpeechResult` or `Digits`).
fn call(server: &Server, sid: &str, answers: &[(&str, &str)]) {
    server.post("/voice", &[("CallSid", sid), ("From", "+15551230000")]);
    for &(name, value) in answers {
        server.post("/voice/gather", &[("CallSid", sid), (name, value)]);
    }
}

/// `switchboard check --flows PATH`: exit code, stdout and stderr.
fn check(path: &std::path::Path) -> (Option<i32>, String, String) {
    let out = bin()
        .args(["check", "--flows"])
        .arg(path)
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_says_what_a_folder_that_is_not_a_flows_folder_lacks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = check(dir.path());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: (folder): not a flows folder: it has no assistant.json and no tasks/ folder",
            dir.path().display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("No such file"), "{stderr}");

    std::fs::write(dir.path().join("assistant.json"), r#"{"name": "Pizza"}"#).expect("write");
    let (code, _, stderr) = check(dir.path());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: (folder): the tasks/ folder is missing",
            dir.path().join("tasks").display()
        )),
        "{stderr}"
    );
}

#[test]
fn check_warns_about_a_missing_assistant_json_and_names_an_exports_tasks() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("tasks")).expect("mkdir");
    std::fs::write(
        dir.path().join("tasks/greeting.json"),
        r#"{"samples": ["hello"], "actions": [{"say": "Hi"}, {"listen": true}]}"#,
    )
    .expect("write");
    let (code, stdout, stderr) = check(dir.path());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "warning: {}: (file): there is no assistant.json",
            dir.path().join("assistant.json").display()
        )),
        "{stdout}"
    );
    // Advice on a task names its file in the folder given, not a bare tasks/….
    assert!(
        stdout.contains(&format!(
            "warning: {}: samples: only 1 sample",
            dir.path().join("tasks").join("greeting.json").display()
        )),
        "{stdout}"
    );

    // An export has no tasks/ folder: advice names the export and the task.
    let schema = dir.path().join("schema.json");
    let export = serde_json::json!({
        "uniqueName": "Pizza",
        "tasks": [{
            "uniqueName": "order",
            "actions": {"actions": [{"say": "ok"}]},
            "fields": [],
            "samples": [{"language": "en-US", "taggedText": "order a pizza"}]
        }]
    });
    std::fs::write(&schema, export.to_string()).expect("write");
    let (code, stdout, stderr) = check(&schema);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!(
            "warning: {} (task order): samples: only 1 sample",
            schema.display()
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("tasks/order.json"), "{stdout}");
}

#[test]
fn a_texted_digit_reaches_a_keypad_menu_in_a_conversation_test_as_it_does_in_production() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("tasks")).expect("mkdir");
    std::fs::write(
        dir.path().join("assistant.json"),
        r#"{"defaults": {"assistant_initiation": "task://menu", "fallback": "task://menu"}}"#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("tasks/menu.json"),
        r#"{"actions": [{"say": "Press 1 for sales or 2 for support."},
            {"listen": {"voice_digits": {"num_digits": 1, "redirects": {"1": "task://sales", "2": "task://support"}}}}]}"#,
    )
    .expect("write");
    for (name, words) in [("sales", "Sales here."), ("support", "Support here.")] {
        std::fs::write(
            dir.path().join(format!("tasks/{name}.json")),
            format!(r#"{{"actions": [{{"say": "{words}"}}]}}"#),
        )
        .expect("write");
    }
    let script = dir.path().join("menu.txt");
    // The messaging webhook reads a text of digits alone as keys; so must the test.
    std::fs::write(&script, "bot: Press 1\ncaller: 2\nbot: Support here.\n").expect("write");
    let out = bin()
        .args(["test", "--channel", "sms", "--flows"])
        .arg(dir.path())
        .arg(&script)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
}
