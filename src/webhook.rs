//! Calling the web services a flow names: Autopilot's redirect-to-URL and validation webhooks.
//!
//! The engine asks for a call ([`WebhookCall`]); this module makes it — form-encoded POST (or
//! GET without `Memory`, as Autopilot did), signed with `X-Twilio-Signature` when an auth token
//! is configured so existing handlers that validate signatures keep working — and turns whatever
//! comes back into a [`WebhookResult`]. Every failure (refused, timed out, non-2xx, too big, not
//! JSON, not Actions JSON) becomes `Failed` with one line naming the URL and the problem; the
//! engine then apologises and moves the caller on. Nothing here can leave a call hanging: each
//! call is bounded by the turn's deadline, which sits inside Twilio's 15-second budget.

use std::path::Path;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::{Expects, WebhookCall, WebhookResult};
use crate::flow::{Assistant, Method, load::compile_actions};
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
    timeout: Duration,
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
    /// A client that signs its requests with `token`, when given, and gives each call at most
    /// `timeout`.
    ///
    /// # Errors
    /// The TLS backend could not be initialised.
    pub fn new(
        token: Option<AuthToken>,
        timeout: Duration,
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
            timeout,
            url_map,
        })
    }

    /// Makes the call, giving up at `deadline` at the latest. Failures are logged here, with the
    /// URL (without its query string, which may hold credentials) and what went wrong.
    pub async fn call(
        &self,
        assistant: &Assistant,
        call: &WebhookCall,
        deadline: Instant,
    ) -> WebhookResult {
        let result = self.try_call(assistant, call, deadline).await;
        match result {
            Ok(result) => result,
            Err(reason) => {
                let reason = format!("{}: {reason}", loggable(&call.url));
                tracing::error!(webhook = %loggable(&call.url), error = %reason, "web service failed");
                WebhookResult::Failed { reason }
            }
        }
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
    ) -> Result<WebhookResult, String> {
        let target = self.mapped(&call.url);
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .min(self.timeout);
        if remaining.is_zero() {
            return Err("no time left in this turn to call it".into());
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
                let query = serde_urlencoded::to_string(&params).map_err(|e| e.to_string())?;
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
            .map_err(|_| format!("no answer within {} ms", remaining.as_millis()))?
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("answered HTTP {status}"));
        }
        let body = tokio::time::timeout(
            call_deadline.saturating_duration_since(Instant::now()),
            read_limited(response),
        )
        .await
        .map_err(|_| "the answer did not finish in time".to_owned())??;
        let document: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("the answer is not JSON ({e})"))?;
        match call.expects {
            Expects::Actions => {
                let actions =
                    compile_actions(assistant, Path::new(&loggable(&call.url)), &document)
                        .map_err(|errors| {
                            format!(
                                "the answer is not valid Actions JSON: {}",
                                errors
                                    .0
                                    .iter()
                                    .map(ToString::to_string)
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )
                        })?;
                Ok(WebhookResult::Actions {
                    actions: std::sync::Arc::new(actions),
                    document,
                })
            }
            Expects::Verdict => match document.get("valid").and_then(serde_json::Value::as_bool) {
                Some(valid) => Ok(WebhookResult::Valid(valid)),
                None => {
                    Err(r#"the answer has no boolean "valid" (expected {"valid": true})"#.into())
                }
            },
        }
    }
}

/// Reads a body up to [`MAX_ANSWER`] bytes.
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(format!("the answer is over {} KiB", MAX_ANSWER / 1024));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A reqwest error in a few words.
fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "could not connect (refused or unreachable)".into()
    } else if e.is_timeout() {
        "timed out".into()
    } else if e.is_redirect() {
        "too many HTTP redirects".into()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(inner) = source {
            text = format!("{text}: {inner}");
            source = inner.source();
        }
        text
    }
}

/// A URL without its query string or credentials, safe to log.
fn loggable(url: &str) -> String {
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    match without_query.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((_, host)) if !host.contains('/') || rest.find('@') < rest.find('/') => {
                format!("{scheme}://{host}")
            }
            _ => without_query.to_owned(),
        },
        None => without_query.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{UrlMap, WebhookClient, loggable};

    #[test]
    fn url_maps_replace_the_first_matching_prefix() {
        let rules: Vec<UrlMap> = [
            "https://fn.twil.io/=http://127.0.0.1:3000/",
            "https://=http://127.0.0.1:9/",
        ]
        .iter()
        .map(|r| r.parse().expect("valid rule"))
        .collect();
        let client = WebhookClient::new(None, super::CALL_TIMEOUT, rules).expect("client");
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
            loggable("https://fn.example/save?token=secret"),
            "https://fn.example/save"
        );
        assert_eq!(
            loggable("https://user:pw@fn.example/save"),
            "https://fn.example/save"
        );
        assert_eq!(loggable("http://127.0.0.1:9/x"), "http://127.0.0.1:9/x");
    }
}
