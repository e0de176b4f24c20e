//! What `status` and the console's home page show: the spool as an administrator wants to see
//! it. Whether a service runs (from the work folders' heartbeats), files waiting and why,
//! uploads still arriving, files in progress, the failed and held areas with why and what to
//! do, NetYpareo's schedules and last pulls, and the last runs of the ledger.
//!
//! [`gather()`] reads all that into one [`StatusReport`] (with `spool`, `kept` and `netypareo`);
//! the command line prints it as text or JSON, the console renders it as a page, so that all
//! three always say the same.

mod gather;
mod kept;
mod netypareo;
mod spool;
pub mod view;

use std::path::Path;

pub use gather::{gather, gather_on};
pub use view::StatusReport;

/// A path relative to the current folder when it is inside it: how paths are shown to people
/// and in the commands `status` suggests.
pub fn shown(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|current| {
            path.strip_prefix(current)
                .ok()
                .map(|relative| relative.display().to_string())
        })
        .unwrap_or_else(|| path.display().to_string())
}
