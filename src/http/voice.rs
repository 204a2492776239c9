//! Voice webhook handlers: the number's webhook, the Gather action, and the status callback.

use std::time::Instant;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::HttpError;
use super::form::TwilioForm;
use crate::channel::voice::{self, VoiceRequest};
use crate::engine::{Caller, Input, Next};
use crate::runner::Resumed;

/// `POST /voice`: a call arrives (or its first webhook is replayed).
pub(super) async fn incoming(
    State(app): State<AppState>,
    TwilioForm(form, token): TwilioForm,
) -> Result<Response, HttpError> {
    let request = VoiceRequest::from_form(&form)?;
    let input = request.input(Input::Start);
    Ok(turn(&app, &request, input, token).await)
}

/// `POST /voice/gather`: what the caller said or keyed, or silence.
pub(super) async fn gather(
    State(app): State<AppState>,
    TwilioForm(form, token): TwilioForm,
) -> Result<Response, HttpError> {
    let request = VoiceRequest::from_form(&form)?;
    let input = request.input(Input::Silence);
    Ok(turn(&app, &request, input, token).await)
}

/// `POST /voice/continue`: Twilio back after a hold (a `<Redirect>`): the turn's reply if its
/// web service has answered, else another hold. A continuation this server holds nothing for
/// (it restarted, or another server put the call on hold) is taken as the caller's silence:
/// the engine sees the call still waiting on the web service and takes its failure path, so
/// the caller is never left in silence.
pub(super) async fn resume(
    State(app): State<AppState>,
    TwilioForm(form, token): TwilioForm,
) -> Result<Response, HttpError> {
    let request = VoiceRequest::from_form(&form)?;
    let runner = &app.inner.runner;
    let caller = Caller {
        delivery_token: token.clone(),
        ..request.caller()
    };
    let started = Instant::now();
    let reply = match runner.resume(&caller).await {
        Resumed::Lost => return Ok(turn(&app, &request, Input::Silence, token).await),
        Resumed::Holding(reply) => {
            tracing::info!(call = %request.call_sid, "still on hold");
            crate::metrics::turn("voice", "continue", "hold", started.elapsed());
            let assistant = app.assistant();
            return Ok(twiml(voice::render_hold(
                &reply.outputs,
                speaking(&assistant, reply.language.as_deref()).0,
            )));
        }
        Resumed::Done(Ok(turned)) => {
            tracing::info!(call = %request.call_sid, input = "continue", webhooks = turned.hops, ended = !matches!(turned.reply.next, Next::Gather(_)), micros = started.elapsed().as_micros() as u64, "turn");
            crate::metrics::turn("voice", "continue", "answered", started.elapsed());
            turned.reply
        }
        Resumed::Done(Err(e)) => {
            tracing::error!(call = %request.call_sid, input = "continue", error = %e, "turn failed");
            crate::metrics::turn("voice", "continue", "apology", started.elapsed());
            runner.apology()
        }
    };
    let assistant = app.assistant();
    let (voice, language) = speaking(&assistant, reply.language.as_deref());
    Ok(twiml(voice::render_in(&reply, voice, language)))
}

/// `POST /voice/status`: Twilio's status callback. A finished call closes its session, keeping
/// any half-answered collect as incomplete.
pub(super) async fn status(
    State(app): State<AppState>,
    TwilioForm(form, token): TwilioForm,
) -> Result<Response, HttpError> {
    let request = VoiceRequest::from_form(&form)?;
    if request.call_ended() {
        let _ = turn(&app, &request, Input::Hangup, token).await;
    }
    Ok(twiml(voice::render_empty()))
}

/// Runs one turn through the store and renders the reply. A storage failure becomes a spoken
/// apology and a hang-up: the caller hears what happened instead of Twilio's generic error, and
/// nothing is claimed saved that was not.
async fn turn(
    app: &AppState,
    request: &VoiceRequest,
    input: Input,
    token: Option<String>,
) -> Response {
    let started = Instant::now();
    let kind = match &input {
        Input::Start => "start",
        Input::Speech { .. } => "speech",
        Input::Digits(_) => "digits",
        Input::Silence => "silence",
        Input::Hangup => "hangup",
        Input::Webhook(..) => "webhook",
    };
    let runner = &app.inner.runner;
    // Only the CallSid and the kind of input are logged: what callers say and their numbers are
    // personal data and stay in the database.
    let caller = Caller {
        delivery_token: token,
        ..request.caller()
    };
    let reply = match runner.turn(caller, input).await {
        Ok(turned) if turned.hold => {
            tracing::info!(call = %request.call_sid, input = kind, webhooks = turned.hops, micros = started.elapsed().as_micros() as u64, "on hold: a web service is slow");
            crate::metrics::turn("voice", kind, "hold", started.elapsed());
            let assistant = app.assistant();
            return twiml(voice::render_hold(
                &turned.reply.outputs,
                speaking(&assistant, turned.reply.language.as_deref()).0,
            ));
        }
        Ok(turned) => {
            tracing::info!(call = %request.call_sid, input = kind, webhooks = turned.hops, ended = !matches!(turned.reply.next, Next::Gather(_)), micros = started.elapsed().as_micros() as u64, "turn");
            crate::metrics::turn("voice", kind, "answered", started.elapsed());
            turned.reply
        }
        Err(e) => {
            tracing::error!(call = %request.call_sid, input = kind, error = %e, "turn failed");
            crate::metrics::turn("voice", kind, "apology", started.elapsed());
            runner.apology()
        }
    };
    let assistant = app.assistant();
    let (voice, language) = speaking(&assistant, reply.language.as_deref());
    twiml(voice::render_in(&reply, voice, language))
}

/// A rendered TwiML document as a response.
pub(super) fn twiml(rendered: Result<String, askama::Error>) -> Response {
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

/// The voice a bot speaks with and the language Twilio listens for: the style sheet's voice,
/// else, for a bot not in en-US, its language's default voice (an English voice reading
/// Spanish is no use); the language's recogniser name unless it is Twilio's default, en-US.
/// A call a task switched to another language (`switched`, the reply's) speaks and listens in
/// that one, with its default voice: the style sheet's is for the assistant's language.
fn speaking<'a>(
    assistant: &'a crate::flow::Assistant,
    switched: Option<&str>,
) -> (Option<&'a str>, Option<&'static str>) {
    let english = crate::nlu::lang::english();
    if let Some(language) = switched
        .and_then(|tag| assistant.locale(tag))
        .map(|l| l.language)
    {
        return (
            Some(language.voice),
            (language != english).then_some(language.gather),
        );
    }
    let language = assistant.language;
    let voice = assistant
        .style
        .say_voice
        .as_deref()
        .or((language != english).then_some(language.voice));
    (voice, (language != english).then_some(language.gather))
}
