//! The server's log as an operator reads it, from the real binary: each event one line whatever
//! a request carries, a flood of bad requests held to a few lines, and a log reader that stops
//! reading never stopping the calls.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::process::{Server, serve};

/// Waits (a few seconds at most) until the log holds `count` lines containing `text`, and
/// returns the log.
fn wait_for(server: &Server, text: &str, count: usize) -> String {
    let until = Instant::now() + Duration::from_secs(8);
    loop {
        let log = server.log();
        if log.lines().filter(|l| l.contains(text)).count() >= count || Instant::now() > until {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_parameter_name_cannot_forge_log_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("switchboard.db"));
    // Each name carries a fake log line after a line break, a carriage return, or a terminal
    // escape that would wipe the line on screen; the value's bad UTF-8 makes the server quote
    // the name in its rejection.
    let forgeries = [
        "x%0AINFO+forged+turn+call%3DCAfake",
        "x%0D%0AERROR+forged+database+disk+image+is+malformed",
        "x%1B%5B2K%0DINFO+forged+turn+call%3DCAesc",
        "x%C2%85INFO+forged+turn+call%3DCAnel",
    ];
    let responses: Vec<String> = forgeries
        .iter()
        .map(|name| server.send_raw("/voice", &format!("{name}=%FF&CallSid=CA1")))
        .collect();
    let log = wait_for(&server, "rejected request", forgeries.len());
    let rejected: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("rejected request"))
        .collect();
    assert_eq!(rejected.len(), forgeries.len(), "{log}");
    for line in &rejected {
        assert!(
            line.contains("forged"),
            "the name is shown, escaped: {line}"
        );
    }
    for line in log.lines() {
        assert!(
            !line.trim_start().starts_with("INFO forged")
                && !line.trim_start().starts_with("ERROR forged"),
            "a forged line: {line:?}\n{log}"
        );
    }
    for control in ['\r', '\u{1b}', '\u{85}'] {
        assert!(
            !log.contains(control),
            "the log holds a raw {control:?}:\n{log:?}"
        );
    }
    for response in responses {
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
        let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        assert_eq!(
            body.trim_end().lines().count(),
            1,
            "the error is one line: {body:?}"
        );
    }
}

#[test]
fn a_flood_of_rejected_requests_is_logged_a_few_lines_a_second() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(&dir.path().join("switchboard.db"));
    let started = Instant::now();
    for _ in 0..200 {
        let response = server.send("/voice", &[("From", "+15551230000")]);
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    }
    let seconds = started.elapsed().as_secs();
    let log = wait_for(&server, "more rejected requests were not logged", 1);
    let logged = log
        .lines()
        .filter(|l| l.contains("rejected request") && !l.contains("were not logged"))
        .count();
    assert!(
        logged as u64 <= 5 * (seconds + 1),
        "{logged} lines for 200 rejections in {seconds} s:\n{log}"
    );
    assert!(
        log.contains("more rejected requests were not logged"),
        "the left-out lines are counted:\n{log}"
    );
}

/// Posts `body` to /voice on a new connection and reads the status line; None if no answer came
/// within a few seconds.
fn post_voice(addr: SocketAddr, body: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(
        stream,
        "POST /voice HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.lines().next().map(str::to_owned)
}

#[test]
fn calls_are_answered_while_nobody_reads_the_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Server::spawn_undrained(serve(dir.path().join("switchboard.db")));
    let addr = server.addr();
    // Each new call logs a turn line; a few thousand fill the pipe (64 KiB) and the server's
    // log queue (4,096 lines) many times over. Rejected requests add to the flood.
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let mut unanswered = Vec::new();
                for i in 0..1500 {
                    let body = if i % 6 == 5 {
                        "From=%2B15551230000".to_owned()
                    } else {
                        format!("CallSid=CA{t}x{i}&From=%2B15551230000&To=%2B15559990000")
                    };
                    match post_voice(addr, &body) {
                        Some(status)
                            if status.starts_with("HTTP/1.1 200")
                                || status.starts_with("HTTP/1.1 400") => {}
                        other => unanswered.push(format!("{body}: {other:?}")),
                    }
                    if unanswered.len() > 3 {
                        break;
                    }
                }
                unanswered
            })
        })
        .collect();
    let unanswered: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client thread"))
        .collect();
    assert!(
        unanswered.is_empty(),
        "requests not answered while the log stalled: {unanswered:?}"
    );
    // Once the log is read again, it says how much it had to leave out.
    server.drain();
    let log = wait_for(&server, "log lines dropped", 1);
    assert!(
        log.contains("log lines dropped: the log output could not keep up"),
        "{}",
        log.lines().rev().take(5).collect::<Vec<_>>().join("\n")
    );
}
