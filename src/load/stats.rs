//! Turn latencies: every one recorded (microseconds, four bytes each), summarised as exact
//! percentiles at the end. A million turns is 4 MB; exact beats a histogram's buckets when the
//! numbers go in a report.

use std::time::Duration;

use serde::Serialize;

/// Every latency of a phase, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Latencies(Vec<u32>);

impl Latencies {
    /// Records one turn.
    pub fn record(&mut self, took: Duration) {
        self.0
            .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
    }

    /// Takes in another caller's latencies.
    pub fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    /// How many turns were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none were.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Percentiles by the nearest-rank method (p99 of 100 values is the 99th smallest), so a
    /// percentile is always a latency that was measured.
    pub fn summary(mut self) -> Summary {
        self.0.sort_unstable();
        let sorted = &self.0;
        let rank = |q: f64| -> f64 {
            if sorted.is_empty() {
                return 0.0;
            }
            // Nearest rank: ceil(q·n), 1-based; q·n is small and positive.
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            #[allow(clippy::cast_sign_loss)]
            let rank = (q * sorted.len() as f64).ceil() as usize;
            millis(sorted[rank.clamp(1, sorted.len()) - 1])
        };
        let total: u64 = sorted.iter().map(|&us| u64::from(us)).sum();
        #[allow(clippy::cast_precision_loss)]
        let mean = if sorted.is_empty() {
            0.0
        } else {
            total as f64 / sorted.len() as f64 / 1000.0
        };
        Summary {
            p50_ms: rank(0.50),
            p95_ms: rank(0.95),
            p99_ms: rank(0.99),
            max_ms: sorted.last().map_or(0.0, |&us| millis(us)),
            mean_ms: mean,
        }
    }
}

fn millis(micros: u32) -> f64 {
    f64::from(micros) / 1000.0
}

/// A phase's latencies, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Half the turns took at most this long.
    pub p50_ms: f64,
    /// 95 in 100 did.
    pub p95_ms: f64,
    /// 99 in 100 did.
    pub p99_ms: f64,
    /// The slowest turn.
    pub max_ms: f64,
    /// The mean.
    pub mean_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(micros: impl IntoIterator<Item = u32>) -> Summary {
        let mut l = Latencies::default();
        for us in micros {
            l.record(Duration::from_micros(u64::from(us)));
        }
        l.summary()
    }

    #[test]
    fn percentiles_are_nearest_rank_over_every_turn() {
        // 1..=100 ms in shuffled order: p50 is the 50th value, p99 the 99th.
        let values = (1..=100u32).rev().map(|ms| ms * 1000);
        let s = of(values);
        assert_eq!(s.p50_ms, 50.0);
        assert_eq!(s.p95_ms, 95.0);
        assert_eq!(s.p99_ms, 99.0);
        assert_eq!(s.max_ms, 100.0);
        assert!((s.mean_ms - 50.5).abs() < 1e-9);
    }

    #[test]
    fn one_slow_turn_in_a_thousand_shows_in_max_not_in_p99() {
        let s = of(std::iter::repeat_n(1000, 999).chain([250_000]));
        assert_eq!(s.p99_ms, 1.0);
        assert_eq!(s.max_ms, 250.0);
    }

    #[test]
    fn merged_callers_count_together_and_nothing_is_zero() {
        let mut a = Latencies::default();
        a.record(Duration::from_micros(300));
        let mut b = Latencies::default();
        b.record(Duration::from_micros(100));
        b.record(Duration::from_micros(200));
        a.merge(b);
        assert_eq!(a.len(), 3);
        let s = a.summary();
        assert_eq!((s.p50_ms, s.max_ms), (0.2, 0.3));
        assert_eq!(of([]).p99_ms, 0.0);
    }
}
