//! Moodle's standard log (`logstore_standard_log`): the rows Moodle's events would have
//! written for a file's changes. The write sites record one [`Event`] each, carried by the
//! file's transaction; before the commit
//! [`Tx::write_journal`](crate::db::Tx::write_journal) resolves their contexts and writes them
//! in batches, as the main administrator under cron (Moodle's task runs as them), origin
//! `cli`. Nothing is recorded when `[moodle] write_logs` is off or the site's standard
//! log store is not enabled (`tool_log | enabled_stores`). See docs/moodle-database.md.
//!
//! - [`kind`]: the kinds of events, and what Moodle's class of each declares.
//! - [`event`]: an event, where it happened, and the [`Journal`] that holds a file's events.
//! - [`other`]: the events' `other`, as Moodle stores it (JSON).
//! - [`record`]: what the write sites call to record events.
//! - [`write`](mod@write): the events written into the standard log.

mod event;
mod kind;
mod other;
mod record;
mod write;

pub use event::{Event, Journal, Place};
pub use kind::Kind;
pub use other::{assigned_other, enrol_other, json_string, member_other, unassigned_other};
