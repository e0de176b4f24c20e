//! NetYpareo (Ymag): pulls sites, students, teachers, tutors and training groups from a
//! NetYpareo instance's REST API and writes them into the spool as command files, so that what
//! NetYpareo says goes through the same validation, report, tryback, archive and ledger as a
//! partner's file.
//!
//! - [`settings`]: an instance, validated from `[[netypareo.instances]]`.
//! - [`schedule`]: Moodle's cron syntax, for `watch`.
//! - [`wire`]: NetYpareo's JSON, decoded leniently. Pure.
//! - [`client`]: HTTP: token, concurrency cap, retries, streamed decoding.
//! - [`export`]: records → people, cohorts and command file bytes. Pure.
//! - [`pull`]: one instance's exports, end to end, into the spool.
//! - [`fake`]: a NetYpareo server for tests and demonstrations.

pub mod client;
pub mod export;
pub mod fake;
pub mod pull;
pub mod schedule;
pub mod settings;
pub mod wire;
