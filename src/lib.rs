//! Switchboard: a self-hosted phone bot engine that runs Twilio Autopilot bots.
//!
//! A Twilio number's voice webhook points at the server; each webhook is one *turn* of one
//! *session*. The turn flows one way through the layers below (see `docs/design.md` in the
//! shared docs, and this crate's README):
//!
//! # Layout
//! - [`http`]: the axum router — decode and check the request, run the turn, render the reply.
//! - [`channel`]: Twilio's wire format in, TwiML out (askama templates under `templates/`).
//! - [`engine`]: the pure dialogue state machine, `step(assistant, state, input, now)`.
//! - [`store`]: SQLite — session state, collected answers and call history, one transaction
//!   per turn, committed before the reply goes out.
//! - [`flow`]: the Assistant loaded from a flows folder (Autopilot Actions JSON), validated once.
//! - [`nlu`]: understanding — text normalisation, the intent matcher, field-type parsers.
//! - [`cli`]: the `switchboard` command line (serve, check, collected, nlu match).
//! - [`log`]: the log output's guarantees — one event per line, never blocking a caller.
//! - [`versions`]: the flows a server runs — the current version and older ones calls in
//!   progress finish on; [`reload`] loads an edit of a live bot into them.
//! - [`signature`]: Twilio request signatures, checked on webhooks (`http`) and sent on outbound
//!   web service calls (`webhook`, `runner`).
//!
//! Dependencies point down: `http → channel → engine → nlu, flow`, with `store` beside
//! `engine`; `flow` and `nlu` know nothing of HTTP, SQL or Twilio's wire format.

pub mod channel;
pub mod cli;
pub mod engine;
pub mod flow;
pub mod http;
pub mod load;
pub mod log;
pub mod metrics;
pub mod nlu;
pub mod reload;
pub mod runner;
pub mod script;
pub mod signature;
pub mod store;
pub mod versions;
pub mod webhook;
