//! How request errors become HTTP responses: a 4xx status and one plain line saying what is
//! wrong. This is the only place status codes are chosen.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::channel::sms::SmsRequestError;
use crate::channel::voice::VoiceRequestError;

/// A request Switchboard will not process.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Not a form post.
    #[error("expected Content-Type application/x-www-form-urlencoded, as Twilio sends")]
    UnsupportedMediaType,
    /// Body over the limit.
    #[error("request body over the {0}-byte limit")]
    TooLarge(usize),
    /// More form parameters than any Twilio webhook sends.
    #[error("more than {0} form parameters: Twilio's webhooks send a few dozen")]
    TooManyParams(usize),
    /// The body did not arrive in full within the whole-request timeout.
    #[error("request body not received within {0:?} of its headers")]
    RequestTimeout(std::time::Duration),
    /// The body could not be read or decoded.
    #[error("malformed form body: {0}")]
    BadForm(String),
    /// No `X-Twilio-Signature` while signatures are required.
    #[error("missing X-Twilio-Signature: this server only accepts webhooks signed by Twilio")]
    Unsigned,
    /// A signature that does not match.
    #[error(
        "invalid X-Twilio-Signature: check the auth token and that --public-url is the URL Twilio calls"
    )]
    BadSignature,
    /// The form lacks or mangles a parameter the webhook needs.
    #[error(transparent)]
    Voice(#[from] VoiceRequestError),
    /// The form lacks or mangles a parameter the messaging webhook needs.
    #[error(transparent)]
    Sms(#[from] SmsRequestError),
}

impl HttpError {
    fn status(&self) -> StatusCode {
        match self {
            HttpError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::BadForm(_)
            | HttpError::TooManyParams(_)
            | HttpError::Voice(_)
            | HttpError::Sms(_) => StatusCode::BAD_REQUEST,
            HttpError::Unsigned | HttpError::BadSignature => StatusCode::FORBIDDEN,
            HttpError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        match self {
            HttpError::Unsigned | HttpError::BadSignature => crate::metrics::signature_failure(),
            HttpError::TooLarge(_) => crate::metrics::refused("body_too_large"),
            HttpError::TooManyParams(_) => crate::metrics::refused("too_many_params"),
            HttpError::RequestTimeout(_) => crate::metrics::refused("request_timeout"),
            HttpError::UnsupportedMediaType
            | HttpError::BadForm(_)
            | HttpError::Voice(_)
            | HttpError::Sms(_) => {}
        }
        // A few lines a second at most: anyone can send bad requests faster than a log is read.
        if let Some(suppressed) = crate::log::REJECTED_REQUESTS.admit() {
            crate::log::report_suppressed(suppressed);
            tracing::warn!(status = %self.status(), error = %self, "rejected request");
        }
        let mut response = (self.status(), format!("{self}\n")).into_response();
        if matches!(self, HttpError::RequestTimeout(_)) {
            // The rest of the body may still be trickling in: the connection cannot be reused.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

/// `GET /health` when the server cannot serve calls: 503 and the reason in one line. Not logged
/// here: the cause was logged once when it happened, and probes come every few seconds.
pub fn unavailable(reason: &dyn std::fmt::Display) -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response()
}
