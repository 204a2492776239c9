//! The operator's read access over HTTP: collected answers and metrics, behind a bearer token.
//!
//! Autopilot's classic sample served everyone's answers on an open GET; here the routes only
//! exist when an admin token is configured (`SWITCHBOARD_ADMIN_TOKEN`), and every request must
//! carry it as `Authorization: Bearer …`, compared in constant time. Metrics may also be served
//! without the token on an address of their own (`--metrics-listen`), for a private network:
//! they hold counts and timings, never what a caller said or their number.

use axum::Json;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;

/// An admin token. Its `Debug` output is redacted so it can never reach a log.
#[derive(Clone)]
pub struct AdminToken(String);

impl AdminToken {
    /// Wraps a token; None when it is blank (which would let anyone in).
    pub fn new(token: &str) -> Option<AdminToken> {
        let token = token.trim();
        (!token.is_empty()).then(|| AdminToken(token.to_owned()))
    }

    fn matches(&self, header: Option<&str>) -> bool {
        header
            .and_then(|h| h.strip_prefix("Bearer "))
            .is_some_and(|given| self.matches_token(given))
    }

    /// Whether `given` is the token (the console's sign-in form), in constant time.
    pub(super) fn matches_token(&self, given: &str) -> bool {
        // Constant time over the longer length: no early exit that would leak a prefix.
        let (a, b) = (self.0.as_bytes(), given.trim().as_bytes());
        let mut diff = a.len() ^ b.len();
        for i in 0..a.len().max(b.len()) {
            diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0
    }
}

impl AdminToken {
    /// The token itself, for deriving the console's signing key; never for a log.
    pub(super) fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// None when the request carries the admin token; else the 401 to answer.
fn refused(app: &AppState, headers: &HeaderMap) -> Option<Response> {
    let allowed = app.inner.admin.as_ref().is_some_and(|token| {
        token.matches(headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()))
    });
    if allowed {
        return None;
    }
    tracing::warn!("refused an admin request without a valid bearer token");
    Some(
        (
            StatusCode::UNAUTHORIZED,
            "missing or wrong admin token: send Authorization: Bearer <SWITCHBOARD_ADMIN_TOKEN>\n",
        )
            .into_response(),
    )
}

/// `GET /metrics` on the main address: the metrics, behind the admin token.
pub(super) async fn metrics(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refused(&app, &headers) {
        return refusal;
    }
    render_metrics(&app).await
}

/// `GET /metrics` on `--metrics-listen`'s address, which serves nothing else: no token.
pub(super) async fn open_metrics(State(app): State<AppState>) -> Response {
    render_metrics(&app).await
}

/// The metrics in Prometheus' text format, with the sessions in progress counted now.
async fn render_metrics(app: &AppState) -> Response {
    let Some(metrics) = &app.inner.metrics else {
        return (StatusCode::NOT_FOUND, "metrics are off\n").into_response();
    };
    match app.inner.runner.store().sessions_in_progress().await {
        Ok(count) => crate::metrics::sessions_in_progress(count),
        // The other families are still worth having; the gauge keeps its last value.
        Err(e) => tracing::warn!(error = %e, "could not count the sessions in progress"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

/// `GET /admin/collected`: every collect run as JSON, oldest first.
pub(super) async fn collected(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refused(&app, &headers) {
        return refusal;
    }
    match app.inner.runner.store().collected().await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "admin read failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "could not read the database\n",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AdminToken;

    #[test]
    fn tokens_compare_exactly_and_blank_ones_are_refused() {
        let token = AdminToken::new(" s3cret ").expect("token");
        assert!(token.matches(Some("Bearer s3cret")));
        assert!(!token.matches(Some("Bearer s3cre")));
        assert!(!token.matches(Some("Bearer s3cretX")));
        assert!(!token.matches(Some("s3cret")));
        assert!(!token.matches(None));
        assert!(AdminToken::new("   ").is_none());
        assert_eq!(format!("{token:?}"), "AdminToken(<redacted>)");
    }
}
