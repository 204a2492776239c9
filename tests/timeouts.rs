//! Slow and idle connections cannot hold the server: the header, whole-request and idle
//! timeouts close them, and under a flood of them real calls still get their TwiML. Each test
//! runs the real binary with one-second timeouts.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::process::{Server, serve};

/// `serve` with one-second header, request and idle timeouts, plus `extra` arguments.
fn quick(db: &std::path::Path, extra: &[&str]) -> Command {
    let mut cmd = serve(db);
    cmd.args([
        "--header-timeout",
        "1",
        "--request-timeout",
        "1",
        "--idle-timeout",
        "1",
    ])
    .args(extra);
    cmd
}

/// Reads until the server closes the connection, giving up after `patience`. Returns what was
/// read, or `None` when the connection was still open when patience ran out.
fn read_until_closed(stream: &mut TcpStream, patience: Duration) -> Option<Vec<u8>> {
    stream.set_read_timeout(Some(patience)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            // The server closed with our unread bytes still arriving: closed all the same.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Some(got),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn a_connection_that_never_finishes_its_request_line_is_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::spawn(quick(&dir.path().join("t.db"), &[]));
    let mut stream = TcpStream::connect(server.addr()).expect("connects");
    stream.write_all(b"POST /voice HT").expect("writes");
    let got = read_until_closed(&mut stream, Duration::from_secs(5))
        .expect("the server closes a connection that sends half a request line");
    assert!(
        got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
        "{got:?}"
    );
}

#[test]
fn a_body_trickled_past_the_request_timeout_is_cut_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::spawn(quick(&dir.path().join("t.db"), &[]));
    let mut stream = TcpStream::connect(server.addr()).expect("connects");
    let body = "CallSid=CA1&From=%2B15551230000";
    write!(
        stream,
        "POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .expect("writes");
    // A byte every 200 ms: the whole body would take over 6 s.
    let mut writer = stream.try_clone().expect("clone");
    let trickle = std::thread::spawn(move || {
        for byte in body.bytes() {
            if writer.write_all(&[byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let got = read_until_closed(&mut stream, Duration::from_secs(5))
        .expect("the server ends the connection of a trickled body");
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(
        got.ends_with("request body not received within 1s of its headers\n"),
        "{got}"
    );
    trickle.join().expect("writer");
    // Nothing of the half-sent call reached the engine: the same CallSid starts afresh.
    let reply = server.post("/voice", &[("CallSid", "CA1"), ("From", "+15551230000")]);
    assert!(reply.contains("What would you like to do?"), "{reply}");
}

/// Sends `GET /health` on `stream` and reads exactly its response.
fn health_on(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("writes");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).expect("reads");
        assert!(n > 0, "closed before the response ended");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .expect("content-length")
                .parse()
                .expect("number");
            if body.len() >= length {
                return text;
            }
        }
    }
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::spawn(quick(&dir.path().join("t.db"), &[]));
    let mut stream = TcpStream::connect(server.addr()).expect("connects");
    assert!(health_on(&mut stream).starts_with("HTTP/1.1 200"));
    // Reused at once, the connection still serves.
    assert!(health_on(&mut stream).starts_with("HTTP/1.1 200"));
    let got = read_until_closed(&mut stream, Duration::from_secs(5))
        .expect("the server closes an idle keep-alive connection");
    assert!(got.is_empty(), "{got:?}");
}

/// Holds `count` connections that each send half a request line, reopening any the server
/// closes, until `stop` is set.
fn flood(
    addr: SocketAddr,
    count: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..count)
        .map(|_| {
            let stop = Arc::clone(stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut stream) = TcpStream::connect(addr) else {
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    };
                    let _ = stream.write_all(b"POST /voice HT");
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                    let mut buf = [0u8; 64];
                    // Hold it until the server closes it (read returns) or we are told to stop.
                    while !stop.load(Ordering::Relaxed) {
                        match stream.read(&mut buf) {
                            Ok(_) => break,
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    ErrorKind::WouldBlock | ErrorKind::TimedOut
                                ) => {}
                            Err(_) => break,
                        }
                    }
                }
            })
        })
        .collect()
}

#[test]
fn real_calls_get_through_a_flood_of_slow_connections_under_a_low_fd_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("t.db");
    // 128 descriptors for the whole server, and 300 slow connections that come straight back
    // whenever they are closed: without a cap below the limit, accept fails with EMFILE and
    // real calls time out.
    let inner = quick(&db, &[]);
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "ulimit -n 128 && exec \"$0\" \"$@\""])
        .arg(inner.get_program())
        .args(inner.get_args());
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    let server = Server::spawn(cmd);
    let stop = Arc::new(AtomicBool::new(false));
    let slow = flood(server.addr(), 300, &stop);
    // Let the flood fill the server (and its listen queue) before calling.
    std::thread::sleep(Duration::from_millis(1500));
    for call in ["CA1", "CA2", "CA3"] {
        let reply = server.post("/voice", &[("CallSid", call), ("From", "+15551230000")]);
        assert!(reply.contains("What would you like to do?"), "{reply}");
        let reply = server.post(
            "/voice/gather",
            &[("CallSid", call), ("SpeechResult", "register")],
        );
        assert!(reply.contains("What is your name?"), "{reply}");
    }
    stop.store(true, Ordering::Relaxed);
    for thread in slow {
        thread.join().expect("flood thread");
    }
    let log = server.log();
    assert!(log.contains("connections: at most 64"), "{log}");
}

#[test]
fn sigterm_lets_a_request_in_flight_finish() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::spawn(serve(dir.path().join("t.db")));
    let mut stream = TcpStream::connect(server.addr()).expect("connects");
    let body = "CallSid=CA1&From=%2B15551230000";
    let (first, rest) = body.split_at(5);
    write!(
        stream,
        "POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .expect("writes");
    // The request is being read when the signal arrives; the rest of its body comes after.
    std::thread::sleep(Duration::from_millis(300));
    let pid = server.pid().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()));
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(rest.as_bytes()).expect("writes the rest");
    let got = read_until_closed(&mut stream, Duration::from_secs(5)).expect("answered");
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(got.contains("What would you like to do?"), "{got}");
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
}
