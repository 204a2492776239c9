//! Running a whole turn: the engine step committed by the store, and the web service calls a
//! flow asks for in between, until there is a reply for the caller.
//!
//! The webhook handlers, `switchboard chat` and `switchboard test` all go through a [`Runner`],
//! so a conversation in the terminal or in a test file behaves exactly as a phone call would.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

use crate::engine::{Caller, Input, Next, Output, Reply};
use crate::flow::Assistant;
use crate::signature::AuthToken;
use crate::store::{Store, StoreError};
use crate::webhook::{CALL_TIMEOUT, UrlMap, WebhookClient};

/// Time a turn may spend on web services, leaving Twilio's 15 s budget room for the rest.
pub const TURN_BUDGET: Duration = Duration::from_secs(12);

/// Web service calls one turn may make. The engine's redirect limit stops loops first; this
/// holds even if a flow somehow slipped past it.
const MAX_HOPS: u32 = 8;

/// Where a turn's time comes from. Tests pass a clock they control.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How a runner behaves beyond its flows and database.
#[derive(Clone)]
pub struct RunnerOptions {
    /// The clock.
    pub clock: Clock,
    /// Signs calls to web services, when set.
    pub token: Option<AuthToken>,
    /// Longest one web service call may take.
    pub webhook_timeout: Duration,
    /// URL prefixes of web services to call elsewhere (`--map-url`).
    pub url_map: Vec<UrlMap>,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            clock: Arc::new(Utc::now),
            token: None,
            webhook_timeout: CALL_TIMEOUT,
            url_map: Vec::new(),
        }
    }
}

impl std::fmt::Debug for RunnerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerOptions")
            .field("token", &self.token)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("url_map", &self.url_map)
            .finish_non_exhaustive()
    }
}

/// What a turn produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Turned {
    /// The reply for the caller.
    pub reply: Reply,
    /// Some when the caller's input was routed this turn: the task, or None if the matcher
    /// declined.
    pub routed: Option<Option<String>>,
    /// Web service calls made.
    pub hops: u32,
}

/// Runs turns against one assistant and database; cheap to clone.
#[derive(Clone)]
pub struct Runner {
    assistant: Arc<Assistant>,
    store: Store,
    webhooks: WebhookClient,
    clock: Clock,
}

impl Runner {
    /// A runner on `assistant` and `store`.
    ///
    /// # Errors
    /// The HTTP client for web services could not start (a broken TLS setup).
    pub fn new(
        assistant: Arc<Assistant>,
        store: Store,
        options: RunnerOptions,
    ) -> Result<Runner, String> {
        let webhooks = WebhookClient::new(options.token, options.webhook_timeout, options.url_map)
            .map_err(|e| format!("cannot start the HTTP client for web services: {e}"))?;
        Ok(Runner {
            assistant,
            store,
            webhooks,
            clock: options.clock,
        })
    }

    /// The loaded assistant.
    pub fn assistant(&self) -> &Arc<Assistant> {
        &self.assistant
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The time now, by the runner's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// Runs one turn to its reply. Each engine step is committed before the next web service
    /// call, so a crash mid-turn loses nothing the caller was told.
    ///
    /// # Errors
    /// The database failed; nothing of the failed step was written.
    pub async fn turn(&self, caller: &Caller, input: Input) -> Result<Turned, StoreError> {
        let deadline = Instant::now() + TURN_BUDGET;
        let mut input = input;
        let mut hops = 0;
        let mut routed = None;
        loop {
            let step = self
                .store
                .turn(self.assistant.clone(), caller.clone(), input, self.now())
                .await?;
            if step.routed.is_some() {
                routed = step.routed;
            }
            match step.reply.next {
                Next::Webhook(call) if hops < MAX_HOPS => {
                    hops += 1;
                    input =
                        Input::Webhook(self.webhooks.call(&self.assistant, &call, deadline).await);
                }
                _ => {
                    return Ok(Turned {
                        reply: step.reply,
                        routed,
                        hops,
                    });
                }
            }
        }
    }

    /// The reply for a turn that could not be saved: an apology and the end of the call, so the
    /// caller hears what happened instead of Twilio's generic error and nothing is claimed saved.
    pub fn apology(&self) -> Reply {
        Reply {
            outputs: vec![Output::Say {
                text: self.assistant.messages.error_goodbye.clone(),
            }],
            next: Next::Hangup,
        }
    }
}
