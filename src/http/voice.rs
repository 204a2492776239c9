//! Voice webhook handlers: the number's webhook, the Gather action, and the status callback.

use std::time::Instant;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::HttpError;
use super::form::TwilioForm;
use crate::channel::voice::{self, VoiceRequest};
use crate::engine::{Input, Next, Output, Reply};

/// Time a turn may spend on web services, leaving Twilio's 15 s budget room for everything else.
const TURN_BUDGET: std::time::Duration = std::time::Duration::from_secs(12);

/// Web service calls one turn may make.
const MAX_HOPS: u32 = 8;

/// `POST /voice`: a call arrives (or its first webhook is replayed).
pub(super) async fn incoming(
    State(app): State<AppState>,
    TwilioForm(form): TwilioForm,
) -> Result<Response, HttpError> {
    let request = VoiceRequest::from_form(&form)?;
    let input = request.input(Input::Start);
    Ok(turn(&app, &request, input).await)
}

/// `POST /voice/gather`: what the caller said or keyed, or silence.
pub(super) async fn gather(
    State(app): State<AppState>,
    TwilioForm(form): TwilioForm,
) -> Result<Response, HttpError> {
    let request = VoiceRequest::from_form(&form)?;
    let input = request.input(Input::Silence);
    Ok(turn(&app, &request, input).await)
}

/// `POST /voice/status`: Twilio's status callback. A finished call closes its session, keeping
/// any half-answered collect as incomplete.
pub(super) async fn status(
    State(app): State<AppState>,
    TwilioForm(form): TwilioForm,
) -> Result<Response, HttpError> {
    let request = VoiceRequest::from_form(&form)?;
    if request.call_ended() {
        let _ = turn(&app, &request, Input::Hangup).await;
    }
    Ok(twiml(voice::render_empty()))
}

/// Runs one turn through the store and renders the reply. A storage failure becomes a spoken
/// apology and a hang-up: the caller hears what happened instead of Twilio's generic error, and
/// nothing is claimed saved that was not.
async fn turn(app: &AppState, request: &VoiceRequest, input: Input) -> Response {
    let started = Instant::now();
    let kind = match &input {
        Input::Start => "start",
        Input::Speech { .. } => "speech",
        Input::Digits(_) => "digits",
        Input::Silence => "silence",
        Input::Hangup => "hangup",
        Input::Webhook(_) => "webhook",
    };
    let assistant = app.assistant();
    // Web services a flow calls must answer within this, so the caller's reply reaches Twilio
    // inside its 15-second limit.
    let deadline = tokio::time::Instant::now() + TURN_BUDGET;
    let caller = request.caller();
    let mut input = input;
    let mut hops = 0;
    // Only the CallSid and the kind of input are logged: what callers say and their numbers are
    // personal data and stay in the database.
    let reply = loop {
        let now = (app.inner.clock)();
        match app
            .inner
            .store
            .turn(assistant.clone(), caller.clone(), input, now)
            .await
        {
            // The engine bounds redirects (and so web service hops) per turn; `hops` is a second
            // guard that holds even if a flow somehow slipped past it.
            Ok(Reply {
                next: Next::Webhook(call),
                ..
            }) if hops < MAX_HOPS => {
                hops += 1;
                input = Input::Webhook(app.inner.webhooks.call(assistant, &call, deadline).await);
            }
            Ok(reply) => {
                tracing::info!(call = %request.call_sid, input = kind, webhooks = hops, ended = !matches!(reply.next, Next::Gather(_)), micros = started.elapsed().as_micros() as u64, "turn");
                break reply;
            }
            Err(e) => {
                tracing::error!(call = %request.call_sid, input = kind, error = %e, "turn failed");
                break Reply {
                    outputs: vec![Output::Say {
                        text: assistant.messages.error_goodbye.clone(),
                    }],
                    next: Next::Hangup,
                };
            }
        }
    };
    twiml(voice::render(&reply, assistant.style.say_voice.as_deref()))
}

/// A rendered TwiML document as a response.
fn twiml(rendered: Result<String, askama::Error>) -> Response {
    match rendered {
        Ok(xml) => ([(CONTENT_TYPE, "text/xml; charset=utf-8")], xml).into_response(),
        Err(e) => {
            // The templates are checked at compile time; this would be a bug, so say so loudly.
            tracing::error!(error = %e, "could not render TwiML");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "could not render the reply\n",
            )
                .into_response()
        }
    }
}
