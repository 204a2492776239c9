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
use super::server::RequestDeadline;
use crate::signature;

/// Largest webhook body accepted. Twilio's voice and SMS webhooks are a few kilobytes; a long
/// speech transcript plus every parameter stays well under this.
pub const MAX_BODY: usize = 64 * 1024;

/// Most parameters one webhook may carry. Twilio's voice webhooks send about 25–35 (the
/// `Called*`/`Caller*`/`From*`/`To*` geography, speech results, `Memory`), SMS up to about 45
/// (ten `MediaUrlN`/`MediaContentTypeN` pairs); 200 leaves several times that for parameters
/// Twilio may add, while keeping what an unsigned request can make the signature check sort
/// small. Counted on the raw body, before anything is decoded or verified.
pub const MAX_PARAMS: usize = 200;

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
        let deadline = req.extensions().get::<RequestDeadline>().copied();
        let read = to_bytes(req.into_body(), MAX_BODY);
        // A body trickled in a byte at a time would otherwise hold the connection for as long
        // as the client likes.
        let read = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.at, read)
                .await
                .map_err(|_| HttpError::RequestTimeout(deadline.timeout))?,
            None => read.await,
        };
        let body = read.map_err(|e| {
            let inner = e.into_inner();
            if inner.is::<http_body_util::LengthLimitError>() {
                HttpError::TooLarge(MAX_BODY)
            } else {
                HttpError::BadForm(format!("could not read the body: {inner}"))
            }
        })?;
        if too_many_params(&body) {
            return Err(HttpError::TooManyParams(MAX_PARAMS));
        }
        let pairs = decode(&body)?;
        // The check runs here on the async worker, not on a blocking thread: with the body at
        // most MAX_BODY and at most MAX_PARAMS pairs, it is one sort of ≤200 pairs and at most
        // three HMAC-SHA1 passes (the URL variants) over ≤64 KiB each — the same order of work
        // as reading and decoding the body just was: ~75 µs for a full 64 KiB form at the cap,
        // ~2 µs for a typical one (benches/signature.rs). A hand-off to
        // `spawn_blocking` would cost more than that for a typical form, and would give a
        // flood of forged requests a second pool to fill.
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

/// Whether a raw form body carries more than [`MAX_PARAMS`] parameters, counted as [`decode`]
/// counts them (empty parts between `&`s are not parameters).
fn too_many_params(body: &[u8]) -> bool {
    // Separators bound the count from above, and counting one byte value is a vectorised loop:
    // almost every body is far under the cap, and only one near it is split and counted exactly.
    if body.iter().filter(|&&b| b == b'&').count() < MAX_PARAMS {
        return false;
    }
    body.split(|&b| b == b'&').filter(|p| !p.is_empty()).count() > MAX_PARAMS
}

/// Decodes a form body. Unlike a lossy decoder, text that is not UTF-8 is refused with the
/// parameter's name: a caller's words must never be silently changed.
pub fn decode(body: &[u8]) -> Result<Vec<(String, String)>, HttpError> {
    let text = |raw: &[u8]| -> Option<String> {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        String::from_utf8(percent_encoding::percent_decode(&spaced).collect()).ok()
    };
    let mut pairs = Vec::new();
    for part in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match part.iter().position(|&b| b == b'=') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        let name = text(name)
            .ok_or_else(|| HttpError::BadForm("a parameter name is not valid UTF-8".into()))?;
        // The name is the sender's text: quoted, so the message (and its log line) stays one line.
        let value = text(value).ok_or_else(|| {
            HttpError::BadForm(format!(
                "parameter {} is not valid UTF-8",
                crate::log::quoted(&name, 64)
            ))
        })?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::{MAX_PARAMS, decode, too_many_params};

    #[test]
    fn the_parameter_cap_counts_parameters_not_separators() {
        let form = |n: usize, sep: &str| {
            (0..n)
                .map(|i| format!("p{i}=v"))
                .collect::<Vec<_>>()
                .join(sep)
        };
        assert!(!too_many_params(b""));
        assert!(!too_many_params(form(MAX_PARAMS, "&").as_bytes()));
        assert!(too_many_params(form(MAX_PARAMS + 1, "&").as_bytes()));
        // Empty parts are not parameters: 200 of them between doubled separators pass.
        assert!(!too_many_params(form(MAX_PARAMS, "&&").as_bytes()));
        assert!(too_many_params(form(MAX_PARAMS + 1, "&&").as_bytes()));
    }

    #[test]
    fn decodes_like_a_browser_and_refuses_broken_utf8() {
        let pairs = decode(b"CallSid=CA1&SpeechResult=caf%C3%A9+au+lait&Empty=&Flag&From=%2B1555")
            .expect("valid");
        let got: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("CallSid", "CA1"),
                ("SpeechResult", "café au lait"),
                ("Empty", ""),
                ("Flag", ""),
                ("From", "+1555")
            ]
        );
        let err = decode(b"CallSid=CA1&SpeechResult=%FF%FE").expect_err("refused");
        assert_eq!(
            err.to_string(),
            "malformed form body: parameter \"SpeechResult\" is not valid UTF-8"
        );
        assert!(decode(b"%C3=x").is_err());
    }
}
