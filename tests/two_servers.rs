//! Two real `switchboard serve` processes on one PostgreSQL database, as a load balancer would
//! use them: many sign-up calls whose turns go to either server at random, some deliveries sent
//! to both at once (Twilio retrying while the first is still running), one server killed with
//! SIGKILL mid-run and its calls carried on by the other, then restarted. At the end every
//! answer a caller was thanked for is saved exactly once, and every call ended where it should.
//!
//! Skipped, with a message, where no PostgreSQL server answers; a failure in CI.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::TestApp;
use common::postgres::Schema;
use common::process::{self, Server};
use switchboard::store::Db;

/// Calls in the run, and how many run at once.
const CALLS: usize = 48;
const AT_ONCE: usize = 8;

/// The servers a load balancer would send a webhook to: their addresses, while they run.
struct Balancer {
    live: Mutex<Vec<SocketAddr>>,
    /// Deliveries a server did not answer (the dead one), each then retried.
    unanswered: AtomicUsize,
}

impl Balancer {
    /// One server, chosen by `pick`, or any other if the first refuses; like Twilio, the
    /// delivery (same token) is retried until a server answers or the deadline passes.
    fn post(&self, pick: u64, path: &str, form: &[(&str, &str)], token: &str) -> String {
        let give_up = Instant::now() + Duration::from_secs(60);
        let mut attempt = pick;
        loop {
            let addr = {
                let live = self.live.lock().expect("lock");
                live[usize::try_from(attempt).unwrap_or(0) % live.len()]
            };
            match process::try_post(addr, path, form, token) {
                Ok(body) => return body,
                Err(e) => {
                    self.unanswered.fetch_add(1, Ordering::Relaxed);
                    assert!(Instant::now() < give_up, "no server answered {path}: {e}");
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64): the run is random but repeatable.
struct Dice(u64);

impl Dice {
    fn roll(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A webhook: its path, its form, and what the reply must say.
type Step<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

const NAMES: [&str; 6] = ["Jason", "Maria", "Priya", "Tomas", "Aiko", "Omar"];

/// One sign-up call, each turn checked: a call that lost its place would hear the wrong
/// question. Returns the name and number the caller was thanked for.
fn sign_up(balancer: &Balancer, n: usize, turns_done: &AtomicUsize) -> (String, String) {
    let mut dice = Dice(n as u64);
    let sid = format!("CA{n:032}");
    let name = NAMES[n % NAMES.len()];
    let phone = format!("415{n:07}");
    let said_name = format!("my name is {name}");
    let thanks = format!("Thank you, {name}.");
    let from = format!("+1555{n:07}");
    let steps: [Step; 5] = [
        (
            "/voice",
            vec![("CallSid", &sid), ("From", &from), ("To", "+15559990000")],
            "<Gather",
        ),
        (
            "/voice/gather",
            vec![("CallSid", &sid), ("SpeechResult", "I'd like to register")],
            "What is your name?",
        ),
        (
            "/voice/gather",
            vec![("CallSid", &sid), ("SpeechResult", &said_name)],
            "your phone number?",
        ),
        (
            "/voice/gather",
            vec![("CallSid", &sid), ("Digits", &phone)],
            &thanks,
        ),
        (
            "/voice/gather",
            vec![("CallSid", &sid), ("SpeechResult", "goodbye")],
            "<Hangup",
        ),
    ];
    for (i, (path, form, expected)) in steps.iter().enumerate() {
        let token = format!("{sid}-{i}");
        let reply = if dice.roll().is_multiple_of(4) {
            // The same delivery to both servers at once: one turn, one reply for both.
            let (a, b) = (dice.roll(), dice.roll());
            let (one, two) = std::thread::scope(|s| {
                let one = s.spawn(|| balancer.post(a, path, form, &token));
                let two = s.spawn(|| balancer.post(b.wrapping_add(1), path, form, &token));
                (
                    one.join().expect("first delivery"),
                    two.join().expect("second delivery"),
                )
            });
            assert_eq!(one, two, "{sid} turn {i}: both deliveries get one reply");
            one
        } else {
            balancer.post(dice.roll(), path, form, &token)
        };
        assert!(
            reply.contains(expected),
            "{sid} turn {i}: expected {expected:?} in {reply}"
        );
        turns_done.fetch_add(1, Ordering::Relaxed);
    }
    (name.to_owned(), phone)
}

#[test]
fn two_servers_carry_every_call_through_a_kill_and_a_restart() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(schema) = runtime.block_on(Schema::new()) else {
        return;
    };
    let db = Db::Postgres(schema.url.clone());
    let a = Server::spawn(process::serve(&schema.url));
    let b = Server::spawn(process::serve(&schema.url));
    let balancer = Balancer {
        live: Mutex::new(vec![a.addr(), b.addr()]),
        unanswered: AtomicUsize::new(0),
    };
    let next = AtomicUsize::new(0);
    let turns_done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let thanked = Mutex::new(HashMap::new());
    let total_turns = CALLS * 5;
    let restarted = std::thread::scope(|s| {
        for _ in 0..AT_ONCE {
            s.spawn(|| {
                let _watch = Watch(&failed);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= CALLS {
                        return;
                    }
                    let sid = format!("CA{n:032}");
                    let answers = sign_up(&balancer, n, &turns_done);
                    thanked.lock().expect("lock").insert(sid, answers);
                }
            });
        }
        // A third of the way in, server A dies mid-turn; the balancer notices a moment later.
        wait_for(&turns_done, total_turns / 3, &failed);
        let dead = a.addr();
        a.kill_9();
        std::thread::sleep(Duration::from_millis(200));
        balancer
            .live
            .lock()
            .expect("lock")
            .retain(|addr| *addr != dead);
        // Two thirds of the way in, it is back (on a new port, as a new process would be).
        wait_for(&turns_done, 2 * total_turns / 3, &failed);
        let restarted = Server::spawn(process::serve(&schema.url));
        balancer.live.lock().expect("lock").push(restarted.addr());
        restarted
    });
    drop((restarted, b));

    let unanswered = balancer.unanswered.load(Ordering::Relaxed);
    assert!(
        unanswered > 0,
        "the kill cut off deliveries, which were retried"
    );
    eprintln!("{unanswered} deliveries went unanswered by the killed server and were retried");
    let thanked = thanked.into_inner().expect("lock");
    assert_eq!(thanked.len(), CALLS, "every call was carried to its end");
    let rows = runtime.block_on(TestApp::collected_in(&db));
    let mut by_call: HashMap<&str, Vec<_>> = HashMap::new();
    for row in &rows {
        by_call.entry(row.session.as_str()).or_default().push(row);
    }
    for (sid, (name, phone)) in &thanked {
        let saved = by_call.get(sid.as_str()).map_or(&[][..], Vec::as_slice);
        assert_eq!(saved.len(), 1, "{sid}: saved exactly once: {saved:?}");
        let row = saved[0];
        assert_eq!(row.status, "complete", "{row:?}");
        let values: Vec<(&str, &str)> = row
            .answers
            .iter()
            .map(|a| (a.question.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            values,
            [
                ("user_name", name.as_str()),
                // Keyed as ten digits, saved as E.164.
                ("user_phone_number", format!("+1{phone}").as_str())
            ],
            "{sid}"
        );
    }
    assert_eq!(rows.len(), CALLS, "no other rows");
    let ended: i64 = runtime.block_on(async {
        schema
            .client()
            .await
            .query_one("SELECT count(*) FROM sessions WHERE ended", &[])
            .await
            .expect("sessions")
            .get(0)
    });
    assert_eq!(ended, CALLS as i64, "every call's session ended");
}

/// Waits until `count` reaches `at_least`, or a call failed (its panic is the test's report).
fn wait_for(count: &AtomicUsize, at_least: usize, failed: &AtomicBool) {
    let give_up = Instant::now() + Duration::from_secs(120);
    while count.load(Ordering::Relaxed) < at_least && !failed.load(Ordering::Relaxed) {
        assert!(
            Instant::now() < give_up,
            "the calls stopped making progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Raises the flag if its thread panics, so the test stops waiting for calls that never come.
struct Watch<'a>(&'a AtomicBool);

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}
