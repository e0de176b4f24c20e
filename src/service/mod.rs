//! The service of `moodle-sync watch`: the loop that lists the spool and takes each ready file
//! (`worker`), one file taken (`take`), interrupted claims settled from the ledger (`settle`),
//! the heartbeat that tells `status` the service runs (`heartbeat`), and what it measures for
//! the console's `/metrics` (`metrics`).

pub mod heartbeat;
mod metrics;
mod settle;
mod take;
mod worker;

pub use metrics::{Histogram, LocalMetrics, PICKUP_BUCKETS_S};
pub use settle::settle_claim;
pub use worker::Service;
