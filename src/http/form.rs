//! The form extractor for Twilio webhooks: checks the content type, enforces the size limit and
//! decodes `application/x-www-form-urlencoded` into name/value pairs, with the delivery's
//! idempotency token when Twilio sent one.
//!
//! When an auth token is configured the extractor also checks the Twilio signature, so no
//! handler can see an unverified form. Pairs rather than a struct, because the signature covers
//! every parameter, repeated ones included.

use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;

use super::AppState;
use super::error::HttpError;
use super::signature;

/// Largest webhook body accepted. Twilio's voice and SMS webhooks are a few kilobytes; a long
/// speech transcript plus every parameter stays well under this.
pub const MAX_BODY: usize = 64 * 1024;

/// A decoded form body, in the order sent.
#[derive(Debug)]
pub struct TwilioForm(pub Vec<(String, String)>, pub Option<String>);

/// The header Twilio sends with every webhook delivery; a retry of the same delivery carries the
/// same value.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

impl FromRequest<AppState> for TwilioForm {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                v.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(HttpError::UnsupportedMediaType);
        }
        // Long or odd tokens are ignored rather than stored: they are only an optimisation's key.
        let token = req
            .headers()
            .get(IDEMPOTENCY_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .map(str::to_owned);
        let claimed = req
            .headers()
            .get(signature::HEADER)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let path = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
        let body = to_bytes(req.into_body(), MAX_BODY).await.map_err(|e| {
            let inner = e.into_inner();
            if inner.is::<http_body_util::LengthLimitError>() {
                HttpError::TooLarge(MAX_BODY)
            } else {
                HttpError::BadForm(format!("could not read the body: {inner}"))
            }
        })?;
        let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .map_err(|e| HttpError::BadForm(e.to_string()))?;
        if let Some(auth) = &state.inner.auth {
            let Some(claimed) = claimed else {
                return Err(HttpError::Unsigned);
            };
            let url = format!("{}{path}", auth.public_url);
            if !signature::verify(&auth.token, &url, &pairs, &claimed) {
                return Err(HttpError::BadSignature);
            }
        }
        Ok(TwilioForm(pairs, token))
    }
}
