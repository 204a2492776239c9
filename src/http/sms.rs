//! The messaging webhook: a text arrives, the reply goes back as `<Message>` TwiML.

use std::time::Instant;

use axum::extract::State;
use axum::response::Response;

use super::AppState;
use super::error::HttpError;
use super::form::TwilioForm;
use super::voice::twiml;
use crate::channel::sms::{self, SmsRequest};
use crate::engine::Caller;

/// `POST /sms`: a text message.
pub(super) async fn incoming(
    State(app): State<AppState>,
    TwilioForm(form, token): TwilioForm,
) -> Result<Response, HttpError> {
    let started = Instant::now();
    let request = SmsRequest::from_form(&form)?;
    let runner = &app.inner.runner;
    let caller = Caller {
        delivery_token: token,
        ..request.caller()
    };
    // The conversation key holds phone numbers: only its digest is logged.
    let session = crate::store::loggable_key(&caller.key);
    let reply = match runner.turn(caller, request.input()).await {
        Ok(turned) => {
            tracing::info!(
                channel = "sms",
                %session,
                webhooks = turned.hops,
                micros = started.elapsed().as_micros() as u64,
                "turn"
            );
            crate::metrics::turn("sms", "text", "answered", started.elapsed());
            turned.reply
        }
        Err(e) => {
            tracing::error!(channel = "sms", %session, error = %e, "turn failed");
            crate::metrics::turn("sms", "text", "apology", started.elapsed());
            runner.apology()
        }
    };
    Ok(twiml(sms::render(&reply)))
}
