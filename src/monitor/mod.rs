//! What a monitoring system reads: the metrics of `GET /metrics` in Prometheus' text format
//! (`metrics`, written by `exposition`), and what `GET /readyz` checks (`ready`). The console
//! serves them; the figures come from where `status` and the runs pages read theirs (the
//! ledger, the spool, the heartbeats, NetYpareo's last pulls) and from what the running
//! service measures itself (`service::LocalMetrics`).

mod exposition;
mod metrics;
mod ready;

pub use metrics::metrics_text;
pub use ready::{Readiness, readiness};

/// The content type of Prometheus' text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
