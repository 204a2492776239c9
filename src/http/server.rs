//! Serving connections: HTTP/1.1 over hyper, with the timeouts and the connection cap that keep
//! slow or idle clients from holding the server.
//!
//! `axum::serve` has no read timeouts, so a connection that sent half a request line, or
//! trickled its body, stayed open forever, and ~1,100 of them exhausted the process's file
//! descriptors ("accept error: Too many open files") while real calls timed out. The policy here:
//!
//! - **Header timeout** (`--header-timeout`, default 5 s): a new connection must deliver a
//!   whole request head within this, or it is closed. Twilio sends its head at once.
//! - **Request timeout** (`--request-timeout`, default 10 s): a request's body must be fully read
//!   within this of its head arriving, or the webhook gets a 408 and the connection is closed
//!   (enforced where the body is read, [`super::form`], from the [`RequestDeadline`] set here).
//! - **Idle timeout** (`--idle-timeout`, default 5 s): a keep-alive connection waiting for its
//!   next request is closed after this (gracefully: a connection is never cut mid-response).
//!   Twilio reuses connections for a call's next webhook, a few seconds later, and a new
//!   connection costs it a handshake of a few milliseconds, well inside its 15 s; a longer wait
//!   would only let idle sockets pile up.
//! - **Connection cap** (`--max-connections`, default from the file-descriptor limit): at
//!   start the soft `RLIMIT_NOFILE` is read and the cap set to it minus a reserve for the
//!   database, the log and outbound web service calls (a tenth, at least 64), so accepting can
//!   never run the process out of descriptors. At the cap the server stops accepting and new
//!   connections wait in the kernel's listen queue until a slot frees.
//! - **Under pressure** (more than three quarters of the cap open): connections waiting for a
//!   request head — new or idle — get a fifth of their usual time (at least 200 ms), so slow
//!   connections give way to real ones quickly. A real client (Twilio) sends its request as soon
//!   as it connects, so it loses nothing.
//! - **Accept errors** (`EMFILE` despite the cap, e.g. descriptors used elsewhere) are logged
//!   and retried after a pause, never in a busy loop.
//!
//! All waiting-for-a-request timeouts are enforced by one watchdog per connection rather than
//! by hyper's own `header_read_timeout`, because hyper runs that timer from the moment it starts
//! waiting for a head, idle time included, so it cannot tell the two apart.
//!
//! Graceful shutdown is as before: when the shutdown signal completes the listener stops
//! accepting, idle connections close, and requests in flight finish (each commits its turn
//! before answering) before [`serve`] returns.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

/// The time by which a request's body must have been read in full; put in each request's
/// extensions by the server (absent when a router is driven in-process, as tests do).
#[derive(Debug, Clone, Copy)]
pub struct RequestDeadline {
    /// When reading the body gives up.
    pub at: Instant,
    /// The configured whole-request timeout, for the error message.
    pub timeout: Duration,
}

/// The server's limits on connections; see the module doc for what each one does.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a new connection has to deliver its first request head.
    pub header_timeout: Duration,
    /// Time from a request's head to the end of its body.
    pub request_timeout: Duration,
    /// Time a keep-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
}

/// Default header timeout.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Default whole-request timeout.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default idle keep-alive timeout.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// The shortest wait for a request head under pressure.
const PRESSURE_FLOOR: Duration = Duration::from_millis(200);
/// How often a watchdog looks again at a connection whose deadline is far off, so that
/// pressure setting in shortens waits already under way.
const RECHECK: Duration = Duration::from_millis(250);
/// How long a connection asked to close gracefully may take before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// Pause after an accept error (EMFILE, ENFILE, ENOBUFS…) before accepting again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: HEADER_TIMEOUT,
            request_timeout: REQUEST_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_connections: default_max_connections(),
        }
    }
}

/// The connection cap the file-descriptor limit allows: the soft `RLIMIT_NOFILE` minus a
/// reserve (a tenth, at least 64) for the database, the log and outbound web service calls.
pub fn default_max_connections() -> usize {
    let limit = open_files_limit().unwrap_or(1024);
    let reserve = (limit / 10).max(64);
    limit.saturating_sub(reserve).max(16)
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere or when
/// unlimited.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Serves `router` on `listener` under `limits` until `shutdown` completes, then lets the
/// requests in flight finish.
///
/// # Errors
/// None today: accept errors are logged and retried. The `Result` keeps the caller's contract.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cap = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(cap));
    // Connections hold a receiver each: `closing` tells them to wind down, and its
    // `closed()` completes once every connection task has ended.
    let (closing, watch_closing) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // the semaphore is never closed
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::warn!("accept error: {e}; pausing {} ms", ACCEPT_BACKOFF.as_millis());
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let pressure = Pressure {
            slots: Arc::clone(&slots),
            cap,
        };
        let router = router.clone();
        let closing = watch_closing.clone();
        tokio::spawn(async move {
            serve_connection(stream, router, limits, pressure, closing).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    drop(watch_closing);
    closing.closed().await;
    Ok(())
}

/// Whether the server is near its connection cap: more than three quarters of the slots taken.
struct Pressure {
    slots: Arc<Semaphore>,
    cap: usize,
}

impl Pressure {
    fn is_high(&self) -> bool {
        self.slots.available_permits() < self.cap / 4
    }
}

/// Errors about one connection that went away before it was accepted: nothing to wait for.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// What a connection's watchdog knows: requests being handled, whether one was ever served,
/// and since when the connection has been waiting for a request (in ms from `start`).
struct Activity {
    start: Instant,
    in_flight: AtomicUsize,
    served: AtomicBool,
    waiting_since_ms: AtomicU64,
}

impl Activity {
    fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
    }

    fn end(&self) {
        self.served.store(true, Ordering::SeqCst);
        self.waiting_since_ms
            .store(self.elapsed_ms(), Ordering::SeqCst);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// When the connection's wait for a request runs out, or `None` while one is in flight.
    fn deadline(&self, limits: &Limits, under_pressure: bool) -> Option<Instant> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let mut wait = if self.served.load(Ordering::SeqCst) {
            limits.idle_timeout
        } else {
            limits.header_timeout
        };
        if under_pressure {
            wait = wait.min((wait / 5).max(PRESSURE_FLOOR));
        }
        let since = Duration::from_millis(self.waiting_since_ms.load(Ordering::SeqCst));
        Some(self.start + since + wait)
    }
}

/// Marks a request finished however its future ends (answered, or dropped with the connection).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end();
    }
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    pressure: Pressure,
    mut closing: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity {
        start: Instant::now(),
        in_flight: AtomicUsize::new(0),
        served: AtomicBool::new(false),
        waiting_since_ms: AtomicU64::new(0),
    });
    let tower = TowerToHyperService::new(router);
    let watched = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        watched.begin();
        let guard = InFlight(Arc::clone(&watched));
        request.extensions_mut().insert(RequestDeadline {
            at: Instant::now() + limits.request_timeout,
            timeout: limits.request_timeout,
        });
        let answer = hyper::service::Service::call(&tower, request);
        async move {
            let response = answer.await;
            drop(guard);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The watchdog below enforces the header and idle timeouts; hyper's own timer is off.
    builder.keep_alive(true).header_read_timeout(None);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let mut closing_since: Option<Instant> = None;
    loop {
        let under_pressure = pressure.is_high();
        let now = Instant::now();
        let deadline = activity.deadline(&limits, under_pressure);
        let wake = match (deadline, closing_since) {
            (_, Some(since)) if now < since + CLOSE_GRACE => since + CLOSE_GRACE,
            (Some(deadline), None) => deadline.min(now + RECHECK),
            _ => now + RECHECK,
        };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // A client going away mid-request is routine; nothing of the request is
                    // logged, only that the connection failed.
                    tracing::debug!("connection ended: {e}");
                }
                return;
            }
            changed = closing.changed(), if closing_since.is_none() => {
                if changed.is_err() || *closing.borrow() {
                    conn.as_mut().graceful_shutdown();
                    // Requests in flight finish however long they take; only a connection
                    // waiting for a request is held to the grace period.
                    closing_since = Some(Instant::now());
                }
            }
            () = tokio::time::sleep_until(wake) => {
                let now = Instant::now();
                let waiting_too_long = activity.deadline(&limits, under_pressure).is_some_and(|d| now >= d);
                match closing_since {
                    Some(since) if now >= since + CLOSE_GRACE && activity.in_flight.load(Ordering::SeqCst) == 0 => return,
                    Some(_) => {}
                    None if waiting_too_long => {
                        if !activity.served.load(Ordering::SeqCst) {
                            // No request ever arrived: nothing to answer or finish writing.
                            crate::metrics::refused("header_timeout");
                            return;
                        }
                        conn.as_mut().graceful_shutdown();
                        closing_since = Some(now);
                    }
                    None => {}
                }
            }
        }
    }
}
