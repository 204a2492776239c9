//! Disk trouble with the real binary: a database it may not write is a clear error at start,
//! and a disk that fills up mid-call is a spoken apology with nothing half-written.
#![cfg(unix)]

mod common;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{Server, bin, serve};

/// Makes a database file with the current schema, as a previous run of the server leaves it.
fn make_database(db: &Path) {
    Server::start(db).terminate();
    // The last connection to close checkpoints the WAL into the file and removes it.
    let conn = rusqlite::Connection::open(db).expect("db");
    conn.query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))
        .expect("read");
    drop(conn);
    assert!(!Path::new(&format!("{}-wal", db.display())).exists());
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `cmd` run as a user the file permissions apply to. Root passes every permission check, so
/// as root the server runs as `nobody` (via util-linux's `setpriv`); None when that is not
/// possible here.
fn as_unprivileged(cmd: Command) -> Option<Command> {
    let dir = tempfile::tempdir().expect("temp dir");
    let probe = dir.path().join("read-only");
    std::fs::write(&probe, b"").expect("probe");
    set_mode(&probe, 0o444);
    let bypasses_permissions = std::fs::OpenOptions::new().write(true).open(&probe).is_ok();
    if !bypasses_permissions {
        return Some(cmd);
    }
    let setpriv = Command::new("setpriv").arg("--version").output();
    if !setpriv.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    copy_env(&cmd, &mut wrapped);
    Some(wrapped)
}

fn copy_env(from: &Command, to: &mut Command) {
    for (key, value) in from.get_envs() {
        match value {
            Some(value) => to.env(key, value),
            None => to.env_remove(key),
        };
    }
}

fn refuses_to_start(cmd: Option<Command>, db: &Path) {
    let Some(mut cmd) = cmd else {
        eprintln!("skipped: running as root without setpriv, so permissions cannot be tried");
        return;
    };
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the server started on a database it cannot write");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("reads");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot open database {}", db.display()))
            && stderr.contains("make the file and its folder writable"),
        "names the file and the fix: {stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
}

#[test]
fn a_read_only_database_file_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    make_database(&db);
    // The folder is open to all, so SQLite can make its -wal and -shm files there.
    set_mode(dir.path(), 0o777);
    set_mode(&db, 0o444);
    // Without the start-up check SQLite opens such a file read-only without a word, the server
    // listens, and the first caller hears an apology instead of the operator seeing an error.
    refuses_to_start(as_unprivileged(serve(&db)), &db);
}

#[test]
fn a_read_only_folder_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    make_database(&db);
    // The file itself is writable, but the -wal file beside it cannot be made.
    set_mode(&db, 0o666);
    set_mode(dir.path(), 0o555);
    refuses_to_start(as_unprivileged(serve(&db)), &db);
    set_mode(dir.path(), 0o755);
}

#[test]
fn collected_reads_a_database_the_user_may_only_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    let server = Server::start(&db);
    register(&server, "CA1", "Jason").expect("a call registers");
    assert!(server.terminate().success());
    // As a previous run leaves it: the WAL checkpointed into the file and removed.
    make_database(&db);
    // Neither the file nor its folder may be written: SQLite cannot make its -shm file.
    set_mode(&db, 0o444);
    set_mode(dir.path(), 0o555);
    let mut collected = bin();
    collected.args(["collected", "--db"]).arg(&db);
    let Some(mut cmd) = as_unprivileged(collected) else {
        set_mode(dir.path(), 0o755);
        eprintln!("skipped: running as root without setpriv, so permissions cannot be tried");
        return;
    };
    let out = cmd.output().expect("runs");
    set_mode(dir.path(), 0o755);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("user_name=Jason; user_phone_number=+14155550123"),
        "{stdout}{stderr}"
    );
    assert!(!Path::new(&format!("{}-shm", db.display())).exists());
}

/// A webhook path, what the caller did, and words the reply must hold.
type Step<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

/// One registration call; Err with the reply that was not what a working server says.
fn register(server: &Server, sid: &str, name: &str) -> Result<(), String> {
    let steps: [Step; 4] = [
        (
            "/voice",
            &[("From", "+15551230000")],
            "What would you like to do?",
        ),
        (
            "/voice/gather",
            &[("SpeechResult", "register")],
            "What is your name?",
        ),
        ("/voice/gather", &[("SpeechResult", name)], "phone number"),
        (
            "/voice/gather",
            &[("Digits", "4155550123#")],
            &format!("Thank you, {name}."),
        ),
    ];
    for (path, form, expected) in steps {
        let mut form = form.to_vec();
        form.push(("CallSid", sid));
        let reply = server.post(path, &form);
        if !reply.contains(expected) {
            return Err(reply);
        }
    }
    Ok(())
}

#[test]
fn a_full_disk_mid_call_is_an_apology_and_nothing_half_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("calls.db");
    make_database(&db);

    // A disk with room for a few calls: the shell's file-size limit makes every write past
    // 256 KiB fail the way a full disk does (SIGXFSZ ignored, so the write returns an error).
    let plain = serve(&db);
    let mut limited = Command::new("bash");
    limited
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 256; exec "$0" "$@""#)
        .arg(plain.get_program())
        .args(plain.get_args());
    copy_env(&plain, &mut limited);
    let server = Server::spawn(limited);

    let mut acknowledged = 0;
    let mut apology = None;
    for i in 0..500 {
        match register(&server, &format!("CA{i}"), "Jason") {
            Ok(()) => acknowledged += 1,
            Err(reply) => {
                apology = Some(reply);
                break;
            }
        }
    }
    let apology = apology.expect("the disk filled up within 500 calls");
    assert!(
        apology.contains("couldn&#39;t save that") && apology.contains("<Hangup/>"),
        "a spoken apology, not Twilio's application error: {apology}"
    );
    assert!(acknowledged > 0, "the disk had room for some calls");
    server.kill_9();

    // Room again: every acknowledged call is there exactly once, the failed turn is not there
    // at all, and SQLite finds nothing broken.
    let server = Server::start(&db);
    let conn = rusqlite::Connection::open(&db).expect("db");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    let complete: i64 = conn
        .query_row(
            "SELECT count(*) FROM collected WHERE status = 'complete'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(complete, acknowledged);
    let failed_call = format!("CA{acknowledged}");
    let half: i64 = conn
        .query_row(
            "SELECT count(*) FROM collected WHERE session_key = ?1 AND status = 'complete'",
            [&failed_call],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        half, 0,
        "the call that met the full disk saved no complete row"
    );
    register(&server, "CAafter", "Ada").expect("works again once there is room");
}
