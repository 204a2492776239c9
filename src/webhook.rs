//! Calling the web services a flow names: Autopilot's redirect-to-URL and validation webhooks.
//!
//! The engine asks for a call ([`WebhookCall`]); this module makes it — form-encoded POST (or
//! GET without `Memory`, as Autopilot did), signed with `X-Twilio-Signature` when an auth token
//! is configured so existing handlers that validate signatures keep working — and turns whatever
//! comes back into a [`WebhookResult`]. Every failure (refused, timed out, non-2xx, too big, not
//! JSON, not Actions JSON) becomes `Failed` with a [`Failure`]: a fixed phrase for the call's
//! history, logged beside the URL without its query string. Neither ever carries what the call
//! sent (a GET's query holds the caller's number and answers, sensitive ones included) nor
//! transport error text (reqwest's names the whole URL). The engine then apologises and moves
//! the caller on. Nothing here can leave a call hanging: each call is bounded by the turn's
//! deadline, which sits inside Twilio's 15-second budget.

use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::{Expects, Trip, WebhookCall, WebhookResult};
use crate::flow::{Assistant, Method, load::compile_actions, loggable_url};
use crate::signature::{self, AuthToken};

/// Longest a single web service may take. Twilio abandons a webhook after 15 s; the rest of the
/// turn (and a second hop) must fit in what is left.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(8);

/// Largest answer read from a web service; Actions JSON is a few kilobytes.
const MAX_ANSWER: usize = 256 * 1024;

/// An HTTP client for flows' web services.
#[derive(Clone)]
pub struct WebhookClient {
    client: reqwest::Client,
    token: Option<AuthToken>,
    url_map: Vec<UrlMap>,
}

/// Sends calls for URLs starting with `from` to `to` + the rest of the URL instead: point a
/// migrated bot's Twilio Functions at your own server, or a staging copy at a local one,
/// without editing its flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlMap {
    /// The prefix to replace.
    pub from: String,
    /// What replaces it.
    pub to: String,
}

impl std::str::FromStr for UrlMap {
    type Err = String;

    /// `FROM=TO`, both http(s) prefixes.
    fn from_str(s: &str) -> Result<UrlMap, String> {
        let (from, to) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}` is not FROM=TO"))?;
        for part in [from, to] {
            if !(part.starts_with("https://") || part.starts_with("http://")) {
                return Err(format!("`{part}` must start with https:// or http://"));
            }
        }
        Ok(UrlMap {
            from: from.to_owned(),
            to: to.to_owned(),
        })
    }
}

impl WebhookClient {
    /// A client that signs its requests with `token`, when given; each call says how long it
    /// may take.
    ///
    /// # Errors
    /// The TLS backend could not be initialised.
    pub fn new(
        token: Option<AuthToken>,
        url_map: Vec<UrlMap>,
    ) -> Result<WebhookClient, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(WebhookClient {
            client,
            token,
            url_map,
        })
    }

    /// Makes the call, giving up after `timeout` (the client's own, or a hold's budget: a call on
    /// hold may wait far longer than Twilio's 15 s) or at `deadline`, whichever is first.
    /// Failures are logged here, with the URL (without its query string, which holds parameters
    /// and may hold credentials) and the kind of failure; the call's history gets the kind
    /// alone. Returns the answer and how the call went.
    pub async fn call(
        &self,
        assistant: &Assistant,
        call: &WebhookCall,
        deadline: Instant,
        timeout: Duration,
    ) -> (WebhookResult, Trip) {
        let started = Instant::now();
        let mut status = None;
        let result = self
            .try_call(assistant, call, deadline, timeout, &mut status)
            .await;
        let trip = Trip {
            url: loggable_url(&call.url),
            status,
            took: started.elapsed(),
        };
        let result = match result {
            Ok(result) => result,
            Err(failure) => {
                let reason = failure.to_string();
                match failure.detail() {
                    Some(detail) => {
                        tracing::error!(webhook = %loggable_url(&call.url), error = %reason, %detail, "web service failed")
                    }
                    None => {
                        tracing::error!(webhook = %loggable_url(&call.url), error = %reason, "web service failed")
                    }
                }
                WebhookResult::Failed { reason }
            }
        };
        (result, trip)
    }

    /// The URL to call, after `--map-url` rules (the first matching prefix wins).
    fn mapped(&self, url: &str) -> String {
        for rule in &self.url_map {
            if let Some(rest) = url.strip_prefix(&rule.from) {
                return format!("{}{rest}", rule.to);
            }
        }
        url.to_owned()
    }

    async fn try_call(
        &self,
        assistant: &Assistant,
        call: &WebhookCall,
        deadline: Instant,
        timeout: Duration,
        status: &mut Option<u16>,
    ) -> Result<WebhookResult, Failure> {
        let target = self.mapped(&call.url);
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .min(timeout);
        if remaining.is_zero() {
            return Err(Failure::NoTimeLeft);
        }
        // One clock for the whole exchange: an answer that starts quickly but trickles in
        // forever is cut off as surely as one that never starts.
        let call_deadline = Instant::now() + remaining;
        let request = match call.method {
            Method::Post => {
                let mut request = self.client.post(&target).form(&call.params);
                if let Some(token) = &self.token {
                    request = request.header(
                        signature::HEADER,
                        signature::sign(token, &target, &call.params),
                    );
                }
                request
            }
            Method::Get => {
                // Autopilot sent Memory only in POSTs, to keep query strings short.
                let params: Vec<&(String, String)> =
                    call.params.iter().filter(|(k, _)| k != "Memory").collect();
                let query =
                    serde_urlencoded::to_string(&params).map_err(|_| Failure::Unencodable)?;
                let separator = if target.contains('?') { '&' } else { '?' };
                let url = format!("{target}{separator}{query}");
                let mut request = self.client.get(&url);
                if let Some(token) = &self.token {
                    request = request.header(signature::HEADER, signature::sign(token, &url, &[]));
                }
                request
            }
        };
        let response = tokio::time::timeout(remaining, request.send())
            .await
            .map_err(|_| Failure::NoAnswer(remaining))?
            .map_err(|e| Failure::sending(&e))?;
        *status = Some(response.status().as_u16());
        if !response.status().is_success() {
            return Err(Failure::Status(response.status().as_u16()));
        }
        let body = tokio::time::timeout(
            call_deadline.saturating_duration_since(Instant::now()),
            read_limited(response),
        )
        .await
        .map_err(|_| Failure::SlowAnswer)??;
        let document: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| Failure::NotJson {
                line: e.line(),
                column: e.column(),
            })?;
        match call.expects {
            Expects::Actions => {
                let actions =
                    compile_actions(assistant, Path::new(&loggable_url(&call.url)), &document)
                        .map_err(|errors| Failure::NotActions {
                            errors: errors.0.len(),
                            // Where, never what: the problems quote the answer's values, which
                            // may echo what the caller said.
                            first_place: errors.0.first().map(|e| e.place.clone()),
                        })?;
                Ok(WebhookResult::Actions {
                    actions: std::sync::Arc::new(actions),
                    document,
                })
            }
            Expects::Verdict => match document.get("valid").and_then(serde_json::Value::as_bool) {
                Some(valid) => Ok(WebhookResult::Valid(valid)),
                None => Err(Failure::NoVerdict),
            },
        }
    }
}

/// Why a web service call failed. Each kind reads as a fixed phrase (with at most a number in
/// it), so it can go into the call history and the log as it is: none carries the URL, the
/// parameters sent, the answer's contents or a transport library's error text (reqwest's
/// names the whole URL, query string included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The turn's deadline had already passed.
    NoTimeLeft,
    /// The parameters could not be encoded into a query string.
    Unencodable,
    /// Nothing listens at the address.
    Refused,
    /// The address could not be reached (no route, no such host).
    Unreachable,
    /// Connecting took longer than the client allows.
    ConnectTimeout,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// The connection closed, broke or spoke something other than HTTP before an answer came.
    Closed,
    /// No answer within the call's time.
    NoAnswer(Duration),
    /// The answer started but did not finish in time.
    SlowAnswer,
    /// The connection broke in the middle of the answer.
    CutOff,
    /// Too many HTTP redirects.
    Redirects,
    /// A non-2xx status.
    Status(u16),
    /// The answer is bigger than `MAX_ANSWER`.
    TooBig,
    /// The answer is not JSON; where the parser stopped.
    NotJson {
        /// Line of the syntax error.
        line: usize,
        /// Column of the syntax error.
        column: usize,
    },
    /// The answer is JSON but not Actions JSON.
    NotActions {
        /// How many problems it has.
        errors: usize,
        /// The JSON path of the first (never its value).
        first_place: Option<String>,
    },
    /// A validation web service's answer has no boolean `valid`.
    NoVerdict,
}

impl Failure {
    /// Classifies a reqwest error from sending the request, by its kind and the I/O error
    /// beneath it; its text (which names the URL) is never used.
    fn sending(e: &reqwest::Error) -> Failure {
        // The only timeout the client itself sets is the connect timeout.
        if e.is_timeout() {
            return Failure::ConnectTimeout;
        }
        if e.is_redirect() {
            return Failure::Redirects;
        }
        let kind = io_kind(e);
        if e.is_connect() {
            return match kind {
                Some(std::io::ErrorKind::ConnectionRefused) => Failure::Refused,
                // rustls reports handshake failures as InvalidData.
                Some(std::io::ErrorKind::InvalidData) => Failure::Tls,
                _ => Failure::Unreachable,
            };
        }
        Failure::Closed
    }

    /// A log-only addition that helps the flow author and carries nothing of the call: where in
    /// the answer the problem is, bounded and escaped.
    fn detail(&self) -> Option<String> {
        match self {
            Failure::NotActions {
                errors,
                first_place: Some(place),
            } => Some(format!(
                "{errors} problem(s), the first at {}",
                structural_place(place)
            )),
            _ => None,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NoTimeLeft => f.write_str("no time left in this turn to call it"),
            Failure::Unencodable => f.write_str("the parameters could not be encoded"),
            Failure::Refused => f.write_str("could not connect: connection refused"),
            Failure::Unreachable => f.write_str("could not connect: unreachable"),
            Failure::ConnectTimeout => f.write_str("could not connect: timed out"),
            Failure::Tls => f.write_str("could not connect: TLS failure"),
            Failure::Closed => f.write_str("the connection closed before an answer"),
            Failure::NoAnswer(within) => write!(f, "no answer within {} ms", within.as_millis()),
            Failure::SlowAnswer => f.write_str("the answer did not finish in time"),
            Failure::CutOff => f.write_str("the connection broke during the answer"),
            Failure::Redirects => f.write_str("too many HTTP redirects"),
            Failure::Status(status) => write!(f, "answered HTTP {status}"),
            Failure::TooBig => write!(f, "the answer is over {} KiB", MAX_ANSWER / 1024),
            Failure::NotJson { line, column } => {
                write!(f, "the answer is not JSON (line {line}, column {column})")
            }
            Failure::NotActions { .. } => f.write_str("the answer is not valid Actions JSON"),
            Failure::NoVerdict => {
                f.write_str(r#"the answer has no boolean "valid" (expected {"valid": true})"#)
            }
        }
    }
}

/// Keys of Actions JSON that a place in an answer may name in a log line.
const ACTION_KEYS: &[&str] = &[
    "actions",
    "say",
    "play",
    "url",
    "loop",
    "collect",
    "name",
    "questions",
    "question",
    "type",
    "validate",
    "webhook",
    "method",
    "allowed_values",
    "list",
    "on_failure",
    "messages",
    "repeat_question",
    "on_complete",
    "redirect",
    "uri",
    "listen",
    "tasks",
    "voice_digits",
    "handoff",
    "channel",
    "remember",
    "show",
    "body",
    "images",
    "label",
    "confirm",
    "max_attempts",
    "prefill",
    "sensitive",
    "num_digits",
    "finish_on_key",
    "mapping",
];

/// The JSON path of a problem in a web service's answer, up to the first key that is not
/// Actions JSON vocabulary: keys are the answer's own text, which may echo what the caller said
/// (`actions[1].read back 6789` shows as `actions[1].…`).
fn structural_place(place: &str) -> String {
    let mut shown = String::new();
    for (i, segment) in place.split('.').enumerate() {
        let key = segment.split('[').next().unwrap_or_default();
        let indices = &segment[key.len()..];
        let structural = ACTION_KEYS.contains(&key)
            && indices
                .chars()
                .all(|c| c.is_ascii_digit() || c == '[' || c == ']');
        if i > 0 {
            shown.push('.');
        }
        if !structural {
            shown.push('…');
            break;
        }
        shown.push_str(segment);
    }
    shown
}

/// The kind of the I/O error beneath a reqwest error, if there is one.
fn io_kind(e: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = inner.source();
    }
    None
}

/// Reads a body up to [`MAX_ANSWER`] bytes.
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| Failure::CutOff)? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(Failure::TooBig);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::{UrlMap, WebhookClient, loggable_url};

    #[test]
    fn url_maps_replace_the_first_matching_prefix() {
        let rules: Vec<UrlMap> = [
            "https://fn.twil.io/=http://127.0.0.1:3000/",
            "https://=http://127.0.0.1:9/",
        ]
        .iter()
        .map(|r| r.parse().expect("valid rule"))
        .collect();
        let client = WebhookClient::new(None, rules).expect("client");
        assert_eq!(
            client.mapped("https://fn.twil.io/save?x=1"),
            "http://127.0.0.1:3000/save?x=1"
        );
        assert_eq!(
            client.mapped("https://other.example/a"),
            "http://127.0.0.1:9/other.example/a"
        );
        assert_eq!(
            client.mapped("http://plain.example/a"),
            "http://plain.example/a"
        );
        assert!("no-equals".parse::<UrlMap>().is_err());
        assert!("ftp://a=http://b".parse::<UrlMap>().is_err());
    }

    #[test]
    fn logged_urls_lose_queries_and_credentials() {
        assert_eq!(
            loggable_url("https://fn.example/save?token=secret"),
            "https://fn.example/save"
        );
        assert_eq!(
            loggable_url("https://user:pw@fn.example/save"),
            "https://fn.example/save"
        );
        assert_eq!(
            loggable_url("https://fn.example/a@b?x=1#y"),
            "https://fn.example/a@b"
        );
        assert_eq!(loggable_url("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x");
        assert_eq!(
            super::structural_place("actions[0].collect.questions[1].type"),
            "actions[0].collect.questions[1].type"
        );
        assert_eq!(
            super::structural_place("actions[1].read back 6789"),
            "actions[1].…"
        );
        assert_eq!(super::structural_place("x\nINFO"), "…");
        let long = format!("https://fn.example/{}", "a".repeat(500));
        assert_eq!(loggable_url(&long).chars().count(), 201);
    }
}
