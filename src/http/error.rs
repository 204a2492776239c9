//! How request errors become HTTP responses: a 4xx status and one plain line saying what is
//! wrong. This is the only place status codes are chosen.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
    /// The body could not be read or decoded.
    #[error("malformed form body: {0}")]
    BadForm(String),
    /// The form lacks or mangles a parameter the webhook needs.
    #[error(transparent)]
    Voice(#[from] VoiceRequestError),
}

impl HttpError {
    fn status(&self) -> StatusCode {
        match self {
            HttpError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HttpError::BadForm(_) | HttpError::Voice(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        tracing::warn!(status = %self.status(), error = %self, "rejected request");
        (self.status(), format!("{self}\n")).into_response()
    }
}
