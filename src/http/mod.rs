//! The HTTP edge: the axum router, its shared state, and serving with graceful shutdown.
//!
//! Handlers do three things only: decode and check the request, hand the turn to the store
//! (which runs the engine and commits), and render the reply. Status codes are chosen in
//! [`error`] alone.

pub mod admin;
mod baseline;
pub mod console;
pub mod error;
pub mod form;
pub mod server;
mod sms;
mod voice;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::flow::Assistant;
use crate::runner::Runner;
use crate::signature;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    /// Runs turns: the engine, the database and web service calls.
    runner: Runner,
    /// When set, every webhook must carry a valid Twilio signature.
    auth: Option<Auth>,
    /// When set, `/admin/*` exists and requires this bearer token.
    admin: Option<admin::AdminToken>,
    /// When set, `POST /bench/fixed` exists: the fixed-TwiML baseline for `switchboard bench`.
    baseline: bool,
    /// When set, `GET /metrics` exists (behind the admin token on the main router).
    metrics: Option<crate::metrics::Metrics>,
    /// With an admin token, the console's signing keys (`/console`).
    console: Option<Arc<console::session::Keys>>,
    /// The public URL is `https://`: browsers reach the server over TLS (through a proxy), so
    /// the console's cookie may be marked `Secure`. Known with or without signature checks.
    https: bool,
}

/// What signature checks need: the account's auth token and the public URL Twilio calls.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The Twilio auth token.
    pub token: signature::AuthToken,
    /// The server's public base URL as configured in Twilio (`https://bot.example.com`), without
    /// a trailing slash; a request's path and query are appended to it.
    pub public_url: String,
}

impl AppState {
    /// State for a server running turns with `runner`, checking signatures when `auth` is set.
    pub fn new(runner: Runner, auth: Option<Auth>) -> AppState {
        AppState::with_admin(runner, auth, None)
    }

    /// As [`AppState::new`], with the operator's read API behind `admin`.
    pub fn with_admin(
        runner: Runner,
        auth: Option<Auth>,
        admin: Option<admin::AdminToken>,
    ) -> AppState {
        let console = admin
            .as_ref()
            .map(|token| Arc::new(console::session::Keys::new(token.secret())));
        let https = auth
            .as_ref()
            .is_some_and(|a| a.public_url.starts_with("https://"));
        AppState {
            inner: Arc::new(Inner {
                runner,
                auth,
                admin,
                baseline: false,
                metrics: None,
                console,
                https,
            }),
        }
    }

    /// The same state with `POST /bench/fixed` on: a fixed TwiML document behind the same
    /// form decoding and signature check as every webhook, but no engine and no database —
    /// what the load tool measures the whole turn against.
    #[must_use]
    pub fn with_baseline_route(self) -> AppState {
        let mut inner = (*self.inner).clone();
        inner.baseline = true;
        AppState {
            inner: Arc::new(inner),
        }
    }

    /// The same state serving the process's metrics at `GET /metrics`: behind the admin token
    /// on [`router`] (so only with one), and open on [`metrics_router`].
    #[must_use]
    pub fn with_metrics(self, metrics: crate::metrics::Metrics) -> AppState {
        let mut inner = (*self.inner).clone();
        inner.metrics = Some(metrics);
        AppState {
            inner: Arc::new(inner),
        }
    }

    /// The same state knowing the server's public URL (`--public-url`), which signature checks
    /// may not: whether browsers reach it over `https://`.
    #[must_use]
    pub fn with_public_url(self, url: Option<&str>) -> AppState {
        let mut inner = (*self.inner).clone();
        inner.https = inner.https || url.is_some_and(|u| u.starts_with("https://"));
        AppState {
            inner: Arc::new(inner),
        }
    }

    /// The flows new conversations start on.
    pub fn assistant(&self) -> Arc<Assistant> {
        self.inner.runner.assistant()
    }
}

/// The whole application's routes.
pub fn router(state: AppState) -> Router {
    // Without an admin token the admin routes do not exist at all (404), rather than exist
    // and refuse: there is nothing to probe.
    let mut optional = Router::new();
    if state.inner.admin.is_some() {
        optional = optional
            .route("/admin/collected", get(admin::collected))
            .merge(console::routes());
        if state.inner.metrics.is_some() {
            optional = optional.route("/metrics", get(admin::metrics));
        }
    }
    if state.inner.baseline {
        optional = optional.route(baseline::PATH, post(baseline::fixed));
    }
    Router::new()
        .merge(optional)
        .route("/voice", post(voice::incoming))
        .route(crate::channel::voice::GATHER_PATH, post(voice::gather))
        .route("/voice/status", post(voice::status))
        .route(crate::channel::voice::CONTINUE_PATH, post(voice::resume))
        .route("/sms", post(sms::incoming))
        .route("/health", get(health))
        .with_state(state)
}

/// The routes of `--metrics-listen`'s address: `GET /metrics` without a token, and nothing
/// else, for a private network.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(admin::open_metrics))
        .with_state(state)
}

/// `GET /health`: up, and whether webhooks are checked — an open server says so every time
/// someone looks; the flows' version, and an edit of them that did not load; unhealthy when
/// turns cannot be saved (the database file has gone).
async fn health(
    axum::extract::State(app): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let Err(e) = app.inner.runner.store().health().await {
        return error::unavailable(&e);
    }
    let mut body = if app.inner.auth.is_some() {
        "ok: Twilio signatures are checked\n".to_owned()
    } else {
        "ok: WARNING Twilio signatures are NOT checked (no auth token): anyone who can reach this server can post to it\n".to_owned()
    };
    let versions = app.inner.runner.versions();
    body.push_str(&format!("flows: version {}", versions.current().version));
    let older = versions.older();
    if !older.is_empty() {
        body.push_str(&format!(
            "; calls in progress may still be on {}",
            older.join(", ")
        ));
    }
    body.push('\n');
    if let Some(refused) = versions.refused() {
        // Flow errors name files and places, never what a caller said: fine to show here.
        body.push_str(&format!(
            "flows: WARNING the edit seen at {} was not loaded ({} error{}); still serving the version above:\n",
            refused.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            refused.errors.len(),
            if refused.errors.len() == 1 { "" } else { "s" }
        ));
        for error in &refused.errors {
            body.push_str(&format!("  {error}\n"));
        }
    }
    if app.inner.runner.assistant().matcher.semantics().is_some() {
        body.push_str(&format!(
            "semantic matching: on; {} turns routed on the strings alone (model late or failed)\n",
            app.inner.runner.semantic_skipped()
        ));
    }
    body.into_response()
}

/// Serves the router on an already-bound listener until `shutdown` completes, then finishes the
/// requests in flight (each of which has committed its turn before answering), with the default
/// [`server::Limits`].
///
/// # Errors
/// The listener fails.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, server::Limits::default(), shutdown).await
}

/// As [`serve`], with the given timeouts and connection cap.
///
/// # Errors
/// The listener fails.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    limits: server::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(listener, router(state), limits, shutdown).await
}
