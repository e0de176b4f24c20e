//! What the running service measures that the ledger cannot tell: when it started, and how
//! long files waited between their arrival in the spool as they are (their last write or
//! rename: the change time) and their claim (the pickup latency, settle time included). Shared with the console, whose `/metrics` renders it (`monitor`).

use std::{sync::Mutex, time::SystemTime};

/// The upper bounds, in seconds, of the pickup-latency buckets.
pub const PICKUP_BUCKETS_S: [f64; 11] = [
    0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0,
];

/// Observations counted into buckets, as a Prometheus histogram holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// The buckets' upper bounds, increasing.
    pub bounds: &'static [f64],
    /// For each bound, the observations at or under it (cumulative).
    pub within: Vec<u64>,
    /// Every observation.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
}

impl Histogram {
    /// An empty histogram over `bounds`.
    pub fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            within: vec![0; bounds.len()],
            count: 0,
            sum: 0.0,
        }
    }

    /// Counts `value`.
    pub fn observe(&mut self, value: f64) {
        for (bound, within) in self.bounds.iter().zip(&mut self.within) {
            if value <= *bound {
                *within += 1;
            }
        }
        self.count += 1;
        self.sum += value;
    }
}

/// The service's own measures.
#[derive(Debug)]
pub struct LocalMetrics {
    /// When the service started.
    pub started: SystemTime,
    pickup: Mutex<Histogram>,
}

impl Default for LocalMetrics {
    fn default() -> LocalMetrics {
        LocalMetrics {
            started: SystemTime::now(),
            pickup: Mutex::new(Histogram::new(&PICKUP_BUCKETS_S)),
        }
    }
}

impl LocalMetrics {
    /// Counts a file claimed `latency_ms` after it arrived (a clock skew between the
    /// writer and this host counts as 0).
    pub fn picked_up(&self, latency_ms: i64) {
        let seconds = latency_ms.max(0) as f64 / 1000.0;
        self.pickup
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .observe(seconds);
    }

    /// The pickup latencies counted so far.
    pub fn pickup(&self) -> Histogram {
        self.pickup
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_fall_into_every_bucket_at_or_above_them() {
        let metrics = LocalMetrics::default();
        metrics.picked_up(400);
        metrics.picked_up(1_000);
        metrics.picked_up(45_000);
        metrics.picked_up(-20);
        metrics.picked_up(10_000_000);
        let pickup = metrics.pickup();
        assert_eq!(pickup.count, 5);
        assert!((pickup.sum - (0.4 + 1.0 + 45.0 + 0.0 + 10_000.0)).abs() < 1e-9);
        // 0.5 s: the negative (0) and 0.4; 1 s adds 1.0; 60 s adds 45; nothing else under 3600.
        assert_eq!(pickup.within, vec![2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4]);
    }
}
