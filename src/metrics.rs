//! What the server counts and times, for the monitoring an operator already runs: Prometheus'
//! text format at `GET /metrics` (behind the admin token) and, with `--metrics-listen`, on an
//! address of its own without one, for a private network.
//!
//! Recording goes through the `metrics` crate's macros into one process-wide recorder from
//! `metrics-exporter-prometheus`, which keeps the exposition format, escaping and histogram
//! buckets right. The macros cost an atomic add where a recorder is installed and nothing where
//! none is (the command-line tools). Every call site is at the edge — the HTTP layer, the
//! runner, the store's commit — after the fact it counts: the engine stays pure, and a turn
//! rolled back is never counted as answered.
//!
//! Labels hold only bounded, non-personal values: channel, kind of input, outcome, the
//! matcher's decision, collect names from the flows, refusal reasons. Never a caller's words or
//! number.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::store::Observed;

/// Turns answered, by channel, kind of input and outcome (`answered`, `apology`).
pub const TURNS: &str = "switchboard_turns_total";
/// How long a turn took, from its webhook's arrival to its reply (web service calls included).
pub const TURN_SECONDS: &str = "switchboard_turn_duration_seconds";
/// The matcher's decisions on what callers said, by `decision` (`matched`, `declined`) and, for
/// a decline, `reason`.
pub const MATCHER_DECISIONS: &str = "switchboard_matcher_decisions_total";
/// The matcher's confidence in its best task, whatever it decided.
pub const MATCHER_CONFIDENCE: &str = "switchboard_matcher_confidence";
/// Collects by name and `event` (`started`, `completed`, `incomplete`).
pub const COLLECTS: &str = "switchboard_collects_total";
/// Web service calls by outcome (`actions`, `verdict`, `failed`).
pub const WEBHOOK_CALLS: &str = "switchboard_webhook_calls_total";
/// How long a web service call took.
pub const WEBHOOK_SECONDS: &str = "switchboard_webhook_duration_seconds";
/// How long a store commit took, by backend.
pub const COMMIT_SECONDS: &str = "switchboard_store_commit_duration_seconds";
/// Turns committed together, by backend (SQLite batches; PostgreSQL commits each alone).
pub const COMMIT_BATCH: &str = "switchboard_store_commit_batch_size";
/// Conversations not ended and active within the last hour, read from the store when scraped.
pub const SESSIONS_IN_PROGRESS: &str = "switchboard_sessions_in_progress";
/// Webhooks refused for a missing or wrong Twilio signature.
pub const SIGNATURE_FAILURES: &str = "switchboard_signature_failures_total";
/// Requests and connections refused by a limit, by `reason`.
pub const REFUSED: &str = "switchboard_requests_refused_total";

/// Seconds: a turn is milliseconds on its own and up to Twilio's 15 s with web services.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0,
];
const CONFIDENCE_BUCKETS: &[f64] = &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0];

/// The installed recorder's handle: renders what has been recorded.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

static INSTALLED: OnceLock<Result<Metrics, String>> = OnceLock::new();

impl Metrics {
    /// Installs the process's recorder on first use and returns its handle (every later call,
    /// the same one: a process has one set of metrics, however many routers it builds).
    ///
    /// # Errors
    /// Another recorder was installed first (not by this module).
    pub fn install() -> Result<Metrics, String> {
        INSTALLED
            .get_or_init(|| {
                let builder = PrometheusBuilder::new();
                let buckets = [
                    (TURN_SECONDS, SECONDS_BUCKETS),
                    (WEBHOOK_SECONDS, SECONDS_BUCKETS),
                    (COMMIT_SECONDS, SECONDS_BUCKETS),
                    (MATCHER_CONFIDENCE, CONFIDENCE_BUCKETS),
                    (COMMIT_BATCH, BATCH_BUCKETS),
                ];
                let builder = buckets.iter().try_fold(builder, |b, (name, buckets)| {
                    b.set_buckets_for_metric(Matcher::Full((*name).to_owned()), buckets)
                        .map_err(|e| format!("histogram buckets for {name}: {e}"))
                })?;
                let handle = builder
                    .install_recorder()
                    .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
                describe();
                Ok(Metrics { handle })
            })
            .clone()
    }

    /// Everything recorded so far, in Prometheus' text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// The turn latency's median and 99th percentile since the server started, in seconds,
    /// estimated from the histogram's buckets as Prometheus' `histogram_quantile` does; None
    /// before the first turn.
    pub fn turn_latency(&self) -> Option<(f64, f64)> {
        let buckets = buckets(&self.render(), TURN_SECONDS);
        Some((quantile(&buckets, 0.5)?, quantile(&buckets, 0.99)?))
    }
}

/// A histogram's cumulative buckets (upper bound, count), summed over its label sets, in order
/// of bound; the `+Inf` bucket last.
fn buckets(text: &str, name: &str) -> Vec<(f64, f64)> {
    let prefix = format!("{name}_bucket{{");
    let mut sums: Vec<(f64, f64)> = Vec::new();
    for line in text.lines().filter(|l| l.starts_with(&prefix)) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Some(le) = series
            .split("le=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
        else {
            continue;
        };
        let bound = if le == "+Inf" {
            f64::INFINITY
        } else {
            match le.parse() {
                Ok(bound) => bound,
                Err(_) => continue,
            }
        };
        let Ok(count) = value.parse::<f64>() else {
            continue;
        };
        match sums.iter_mut().find(|(b, _)| *b == bound) {
            Some(entry) => entry.1 += count,
            None => sums.push((bound, count)),
        }
    }
    sums.sort_by(|a, b| a.0.total_cmp(&b.0));
    sums
}

/// The `q` quantile of cumulative `buckets`, interpolated linearly within the bucket it falls
/// in; the highest finite bound when it falls in `+Inf`'s.
fn quantile(buckets: &[(f64, f64)], q: f64) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut below = (0.0, 0.0);
    for &(bound, count) in buckets {
        if count >= rank {
            if bound.is_infinite() {
                return Some(below.0);
            }
            let within = count - below.1;
            let share = if within > 0.0 {
                (rank - below.1) / within
            } else {
                1.0
            };
            return Some(below.0 + (bound - below.0) * share);
        }
        below = (bound, count);
    }
    None
}

/// Help lines for every family, so `# HELP` says what each one is.
fn describe() {
    describe_counter!(
        TURNS,
        "Turns answered, by channel, kind of input and outcome"
    );
    describe_histogram!(
        TURN_SECONDS,
        Unit::Seconds,
        "Time from a webhook to its reply"
    );
    describe_counter!(
        MATCHER_DECISIONS,
        "What the matcher decided about what callers said"
    );
    describe_histogram!(
        MATCHER_CONFIDENCE,
        "The matcher's confidence in its best task"
    );
    describe_counter!(COLLECTS, "Collects started, completed and left incomplete");
    describe_counter!(WEBHOOK_CALLS, "Web service calls by outcome");
    describe_histogram!(
        WEBHOOK_SECONDS,
        Unit::Seconds,
        "Time a web service call took"
    );
    describe_histogram!(COMMIT_SECONDS, Unit::Seconds, "Time a store commit took");
    describe_histogram!(COMMIT_BATCH, "Turns committed in one transaction");
    describe_gauge!(
        SESSIONS_IN_PROGRESS,
        "Conversations not ended and active within the last hour"
    );
    describe_counter!(
        SIGNATURE_FAILURES,
        "Webhooks refused for their Twilio signature"
    );
    describe_counter!(REFUSED, "Requests and connections refused by a limit");
    // Counters of rare events start at zero, so a dashboard sees 0, not a missing series, and
    // the first one counted is an increase.
    counter!(SIGNATURE_FAILURES).absolute(0);
    for reason in REFUSAL_REASONS {
        counter!(REFUSED, "reason" => *reason).absolute(0);
    }
}

/// Every `reason` [`refused`] is given.
const REFUSAL_REASONS: &[&str] = &[
    "body_too_large",
    "too_many_params",
    "request_timeout",
    "header_timeout",
];

/// A turn answered (`apology`: it could not be saved and the caller heard the apology).
pub fn turn(channel: &'static str, input: &'static str, outcome: &'static str, took: Duration) {
    counter!(TURNS, "channel" => channel, "input" => input, "outcome" => outcome).increment(1);
    histogram!(TURN_SECONDS, "channel" => channel).record(took.as_secs_f64());
}

/// What one committed step showed: the matcher's decision and the collects that moved.
pub fn observed(observed: &Observed) {
    if let Some(route) = &observed.route {
        match route.declined {
            None => counter!(MATCHER_DECISIONS, "decision" => "matched").increment(1),
            Some(reason) => {
                counter!(MATCHER_DECISIONS, "decision" => "declined", "reason" => reason)
                    .increment(1);
            }
        }
        histogram!(MATCHER_CONFIDENCE).record(route.confidence);
    }
    for (collect, event) in &observed.collects {
        counter!(COLLECTS, "collect" => collect.clone(), "event" => *event).increment(1);
    }
}

/// A web service call and how it ended.
pub fn webhook(outcome: &'static str, took: Duration) {
    counter!(WEBHOOK_CALLS, "outcome" => outcome).increment(1);
    histogram!(WEBHOOK_SECONDS).record(took.as_secs_f64());
}

/// A store commit of `batch` turns.
pub fn commit(backend: &'static str, took: Duration, batch: usize) {
    histogram!(COMMIT_SECONDS, "backend" => backend).record(took.as_secs_f64());
    #[allow(clippy::cast_precision_loss)] // batches are at most a few thousand
    histogram!(COMMIT_BATCH, "backend" => backend).record(batch as f64);
}

/// Conversations in progress, as the store counts them when scraped.
pub fn sessions_in_progress(count: u64) {
    #[allow(clippy::cast_precision_loss)] // exact below 2^53
    gauge!(SESSIONS_IN_PROGRESS).set(count as f64);
}

/// A webhook refused for its signature.
pub fn signature_failure() {
    counter!(SIGNATURE_FAILURES).increment(1);
}

/// A request or connection refused by a limit.
pub fn refused(reason: &'static str) {
    counter!(REFUSED, "reason" => reason).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_come_from_buckets_summed_over_labels() {
        let text = "\
switchboard_turn_duration_seconds_bucket{channel=\"voice\",le=\"0.01\"} 40
switchboard_turn_duration_seconds_bucket{channel=\"voice\",le=\"0.1\"} 90
switchboard_turn_duration_seconds_bucket{channel=\"voice\",le=\"+Inf\"} 100
switchboard_turn_duration_seconds_bucket{channel=\"sms\",le=\"0.01\"} 10
switchboard_turn_duration_seconds_bucket{channel=\"sms\",le=\"0.1\"} 10
switchboard_turn_duration_seconds_bucket{channel=\"sms\",le=\"+Inf\"} 10
switchboard_turn_duration_seconds_count{channel=\"sms\"} 10
";
        let b = buckets(text, TURN_SECONDS);
        assert_eq!(b, [(0.01, 50.0), (0.1, 100.0), (f64::INFINITY, 110.0)]);
        // The median (rank 55) is a tenth of the way into the 0.01–0.1 bucket.
        let median = quantile(&b, 0.5).expect("some");
        assert!((median - 0.019).abs() < 1e-9, "{median}");
        // The 99th percentile falls past the last finite bound: that bound.
        assert_eq!(quantile(&b, 0.99), Some(0.1));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
