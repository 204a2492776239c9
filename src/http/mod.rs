//! The HTTP edge: the axum router, its shared state, and serving with graceful shutdown.
//!
//! Handlers do three things only: decode and check the request, hand the turn to the store
//! (which runs the engine and commits), and render the reply. Status codes are chosen in
//! [`error`] alone.

pub mod error;
pub mod form;
mod voice;

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
}

impl AppState {
    /// State for a server on `assistant` and `store`, with the system clock.
    pub fn new(assistant: Arc<Assistant>, store: Store) -> AppState {
        AppState::with_clock(assistant, store, Utc::now)
    }

    /// As [`AppState::new`] with another clock.
    pub fn with_clock(assistant: Arc<Assistant>, store: Store, clock: fn() -> DateTime<Utc>) -> AppState {
        AppState { inner: Arc::new(Inner { assistant, store, clock }) }
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
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
