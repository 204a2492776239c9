//! `POST /bench/fixed`: the load tool's baseline, on only with `serve --baseline-route`.
//!
//! It answers every webhook with the same TwiML document, after the same form decoding, size
//! limit and signature check as a real webhook, but with no engine, no database and no
//! template rendering. Whatever a real turn costs beyond this is Switchboard's own work, so
//! `switchboard bench` reports a whole turn's throughput as a fraction of this one's.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use super::form::TwilioForm;

/// Where the baseline answers.
pub const PATH: &str = "/bench/fixed";

/// A reply the size and shape of a real prompt.
const FIXED: &str = include_str!("../../templates/bench/fixed.xml");

/// Answers a decoded (and, with a token, verified) webhook with the fixed document.
pub async fn fixed(TwilioForm(_form, _token): TwilioForm) -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/xml; charset=utf-8")], FIXED)
}
