//! The HTTP edge: the axum router, its shared state, and serving with graceful shutdown.
//!
//! Handlers do three things only: decode and check the request, hand the turn to the store
//! (which runs the engine and commits), and render the reply. Status codes are chosen in
//! [`error`] alone.

pub mod error;
pub mod form;
pub mod signature;
mod voice;
pub mod webhook;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

use crate::flow::Assistant;
use crate::store::Store;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    /// The loaded flows; immutable while serving.
    assistant: Arc<Assistant>,
    /// The database.
    store: Store,
    /// The clock. Injected so tests can control time; the engine itself never reads a clock.
    clock: fn() -> DateTime<Utc>,
    /// When set, every webhook must carry a valid Twilio signature.
    auth: Option<Auth>,
    /// Calls the web services flows redirect to.
    webhooks: webhook::WebhookClient,
}

/// How a server behaves beyond its flows and database.
#[derive(Debug, Clone)]
pub struct Options {
    /// The clock. Tests pass their own; the engine itself never reads a clock.
    pub clock: fn() -> DateTime<Utc>,
    /// When set, every webhook must carry a valid Twilio signature, and calls to web services
    /// are signed.
    pub auth: Option<Auth>,
    /// Longest one web service call may take.
    pub webhook_timeout: std::time::Duration,
    /// URL prefixes of web services to call elsewhere (`--map-url`).
    pub url_map: Vec<webhook::UrlMap>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: Utc::now,
            auth: None,
            webhook_timeout: webhook::CALL_TIMEOUT,
            url_map: Vec::new(),
        }
    }
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
    /// State for a server on `assistant` and `store`, with default [`Options`].
    ///
    /// # Panics
    /// If the TLS backend for outgoing web service calls cannot start, which only happens on a
    /// broken system; [`AppState::with_options`] reports it instead.
    pub fn new(assistant: Arc<Assistant>, store: Store) -> AppState {
        // ok: start-up only; documented above.
        AppState::with_options(assistant, store, Options::default())
            .expect("the HTTP client for web services starts")
    }

    /// State for a server with the given options.
    ///
    /// # Errors
    /// The TLS backend for outgoing web service calls could not be initialised.
    pub fn with_options(
        assistant: Arc<Assistant>,
        store: Store,
        options: Options,
    ) -> Result<AppState, String> {
        let webhooks = webhook::WebhookClient::new(
            options.auth.as_ref().map(|a| a.token.clone()),
            options.webhook_timeout,
            options.url_map.clone(),
        )
        .map_err(|e| format!("cannot start the HTTP client for web services: {e}"))?;
        let Options { clock, auth, .. } = options;
        Ok(AppState {
            inner: Arc::new(Inner {
                assistant,
                store,
                clock,
                auth,
                webhooks,
            }),
        })
    }

    /// The loaded assistant.
    pub fn assistant(&self) -> &Arc<Assistant> {
        &self.inner.assistant
    }
}

/// The whole application's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/voice", post(voice::incoming))
        .route(crate::channel::voice::GATHER_PATH, post(voice::gather))
        .route("/voice/status", post(voice::status))
        .route("/health", get(|| async { "ok\n" }))
        .with_state(state)
}

/// Serves the router on an already-bound listener until `shutdown` completes, then finishes the
/// requests in flight (each of which has committed its turn before answering).
///
/// # Errors
/// The listener fails.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
