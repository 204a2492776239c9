//! The `switchboard` binary as a user runs it: a command, or a server process on a free
//! loopback port, driven over real TCP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The binary, with no settings inherited from the environment of whoever runs the tests.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.env("RUST_LOG", "info")
        .env_remove("SWITCHBOARD_FLOWS")
        .env_remove("SWITCHBOARD_DB")
        .env_remove("SWITCHBOARD_LISTEN");
    cmd
}

pub use super::repo_flows;

/// Runs a command with `input` on its stdin and its stdout and stderr captured.
pub fn with_stdin(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    // A command that refuses its arguments exits without reading: a broken pipe here is its
    // answer, which the caller checks in the output.
    let _ = child.stdin.take().expect("stdin").write_all(input);
    child.wait_with_output().expect("exits")
}

/// A server process on a free loopback port.
pub struct Server {
    child: Child,
    addr: SocketAddr,
    log: Arc<Mutex<String>>,
    /// Standard error while nobody reads it (see [`Server::spawn_undrained`]).
    held: Option<BufReader<std::process::ChildStderr>>,
}

/// `switchboard serve` of the repository flows on `db` (a SQLite file or a PostgreSQL URL), on
/// a free loopback port.
pub fn serve(db: impl AsRef<std::ffi::OsStr>) -> Command {
    serve_flows(repo_flows(), db)
}

/// `switchboard serve` of the flows at `flows` on `db`, on a free loopback port.
pub fn serve_flows(flows: impl AsRef<std::ffi::OsStr>, db: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = bin();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--flows"])
        .arg(flows)
        .arg("--db")
        .arg(db)
        .env("NO_COLOR", "1");
    cmd
}

impl Server {
    /// Serves the repository flows on `db`.
    pub fn start(db: &Path) -> Server {
        Server::spawn(serve(db))
    }

    /// Starts `cmd` (a `serve`, perhaps wrapped) and waits until it listens.
    pub fn spawn(cmd: Command) -> Server {
        let mut server = Server::spawn_undrained(cmd);
        server.drain();
        server
    }

    /// Starts `cmd` and waits until it listens, then stops reading its standard error (but
    /// keeps the pipe open), as a stalled log reader would, until [`Server::drain`].
    pub fn spawn_undrained(mut cmd: Command) -> Server {
        let mut child = cmd.stderr(Stdio::piped()).spawn().expect("starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).expect("reads") > 0,
                "server exited before listening"
            );
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().expect("address");
                break addr.parse().expect("socket address");
            }
        };
        Server {
            child,
            addr,
            log: Arc::new(Mutex::new(line)),
            held: Some(stderr),
        }
    }

    /// Reads the log from now on, in the background, so the server never blocks on a full pipe.
    pub fn drain(&mut self) {
        let Some(mut stderr) = self.held.take() else {
            return;
        };
        let sink = Arc::clone(&self.log);
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                }
                line.clear();
            }
        });
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Posts a form and returns the whole HTTP response, whatever its status.
    pub fn send(&self, path: &str, form: &[(&str, &str)]) -> String {
        let body = serde_urlencoded::to_string(form).expect("encodes");
        self.send_raw(path, &body)
    }

    /// Posts a body exactly as given (already form-encoded, or deliberately not) and returns
    /// the whole HTTP response.
    pub fn send_raw(&self, path: &str, body: &str) -> String {
        self.exchange(&format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        ))
    }

    /// GETs a path and returns the whole HTTP response, whatever its status.
    pub fn get(&self, path: &str) -> String {
        self.exchange(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        ))
    }

    /// Sends one request on a connection of its own and reads the whole response.
    fn exchange(&self, request: &str) -> String {
        let mut stream = TcpStream::connect(self.addr).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(request.as_bytes()).expect("writes");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("reads");
        response
    }

    /// Posts a form and returns the whole HTTP response; it must be a 200.
    pub fn post(&self, path: &str, form: &[(&str, &str)]) -> String {
        let response = self.send(path, form);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        response
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server has logged so far (from the line that says it is listening).
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Ends the server with SIGKILL.
    pub fn kill_9(mut self) {
        // Child::kill sends SIGKILL on Unix: no chance to flush or shut down cleanly.
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }

    /// Ends the server with SIGTERM and returns how it exited and everything it logged.
    pub fn terminate_and_log(self) -> (std::process::ExitStatus, String) {
        let log = Arc::clone(&self.log);
        let status = self.terminate();
        // The reader thread drains the pipe to its end once the process has gone.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let text = log.lock().map(|l| l.clone()).unwrap_or_default();
        (status, text)
    }

    /// Ends the server with SIGTERM, a clean shutdown, and returns how it exited.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        self.child.wait().expect("exits")
    }
}

/// Sends one request (`head` is the request line's method and path, `headers` extra header
/// lines) on a connection of its own and returns the whole response, whatever its status.
pub fn request(addr: SocketAddr, head: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut text = format!("{head} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).expect("writes");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    response
}

/// Posts a form, as one delivery with Twilio's idempotency token, to whichever server listens at
/// `addr`, and returns the body of a 200; anything else (refused, reset, another status) is an
/// error, as it would be to Twilio, which then retries the delivery.
pub fn try_post(
    addr: SocketAddr,
    path: &str,
    form: &[(&str, &str)],
    token: &str,
) -> std::io::Result<String> {
    let body = serde_urlencoded::to_string(form).expect("encodes");
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(
        format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nI-Twilio-Idempotency-Token: {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    match response.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.1 200") => Ok(body.to_owned()),
        _ => Err(std::io::Error::other(format!("not a 200: {response:?}"))),
    }
}

impl Drop for Server {
    /// A test that fails midway must not leave its server running (and holding the pipes).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
