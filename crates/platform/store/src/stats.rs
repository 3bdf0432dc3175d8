//! Distributions the platform counts for `/metrics`: fixed buckets updated with atomics, so the
//! writer and the request path record without a lock and a scrape reads without stopping them.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Writes per commit: the group commit's batch sizes (a batch holds at most 512).
pub const BATCH_SIZES: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
/// Seconds a commit or its sync took: a healthy disk syncs in well under a millisecond, a
/// struggling one in tens to hundreds.
pub const DISK_SECONDS: &[f64] = &[0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0];

/// A distribution being counted. Sums are kept in millionths (microseconds for durations).
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// Observations at most `bounds[i]` (cumulative, as the exposition format wants them).
    at_most: Box<[AtomicU64]>,
    count: AtomicU64,
    sum_millionths: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            at_most: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_millionths: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, value: f64) {
        for (le, n) in self.bounds.iter().zip(self.at_most.iter()) {
            if value <= *le {
                n.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        // Rounded to millionths; `as` saturates, so a negative or absurd value cannot wrap.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let millionths = (value * 1e6).round() as u64;
        self.sum_millionths.fetch_add(millionths, Relaxed);
    }

    pub fn observe_duration(&self, took: std::time::Duration) {
        self.observe(took.as_secs_f64());
    }

    /// What has been counted so far. Read while others observe, a bucket can be ahead of the
    /// next one or of the count by an observation in flight: each is raised to the one before
    /// it, so a scrape always sees cumulative counts (which Prometheus requires).
    pub fn read(&self) -> Distribution {
        let mut seen = 0;
        let at_most = self
            .at_most
            .iter()
            .map(|n| {
                seen = seen.max(n.load(Relaxed));
                seen
            })
            .collect();
        Distribution {
            bounds: self.bounds,
            at_most,
            count: self.count.load(Relaxed).max(seen),
            sum: self.sum_millionths.load(Relaxed) as f64 / 1e6,
        }
    }
}

/// A distribution read at one moment: cumulative counts per upper bound, then all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Distribution {
    pub bounds: &'static [f64],
    pub at_most: Vec<u64>,
    pub count: u64,
    pub sum: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_cumulative_and_the_sum_is_kept() {
        let h = Histogram::new(BATCH_SIZES);
        for v in [1.0, 3.0, 3.0, 30.0, 600.0] {
            h.observe(v);
        }
        let d = h.read();
        assert_eq!(d.at_most, vec![1, 1, 3, 3, 3, 4, 4, 4, 4, 4], "600 is only under +Inf");
        assert_eq!((d.count, d.sum), (5, 637.0));
        let t = Histogram::new(DISK_SECONDS);
        t.observe_duration(std::time::Duration::from_micros(700));
        assert_eq!(t.read().at_most[..4], [0, 0, 1, 1]);
        assert!((t.read().sum - 0.0007).abs() < 1e-9);
    }

    #[test]
    fn a_scrape_during_observations_sees_cumulative_counts() {
        let h = std::sync::Arc::new(Histogram::new(DISK_SECONDS));
        let writer = {
            let h = h.clone();
            std::thread::spawn(move || (0..200_000).for_each(|i| h.observe(f64::from(i % 7) * 0.003)))
        };
        while !writer.is_finished() {
            let d = h.read();
            assert!(d.at_most.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
            assert!(d.at_most.last().is_some_and(|last| *last <= d.count), "{d:?}");
        }
        assert!(writer.join().is_ok());
        assert_eq!(h.read().count, 200_000);
    }
}
