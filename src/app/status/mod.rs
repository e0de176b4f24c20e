//! `moodle-sync status [--runs N] [--json]`: the spool as an administrator wants to see it.
//! Whether a service runs (from the work folders' heartbeats), files waiting and why, uploads
//! still arriving, files in progress, the failed and held areas with why and what to do,
//! NetYpareo's schedules and last pulls, and the last runs of the ledger.
//!
//! `gather` reads all that into one `view::StatusReport` (with `spool`, `kept` and
//! `netypareo`); `print` prints it as text (`text`) or as JSON, so that both always say the
//! same.

mod gather;
mod kept;
mod netypareo;
mod print;
mod spool;
mod text;
mod view;

pub use print::print;
