//! One file's journey, start to end: the phases below, each a function of its own file, run
//! in this order by [`take()`] (the service's and `run`'s path) and, up to the plan, by a dry run.
//!
//! 1. **read** (`read`): the input's bytes, their SHA-256 and the file's stamp.
//! 2. **check** (`check`): decode and parse as the file's kind; everything that can reject the
//!    file runs before the database is touched.
//! 3. **prepare** (`apply::prepare`): slow work a kind can do before the lock (a user file's
//!    password hashes).
//! 4. **lock and look up** (`lookup`): the transaction takes the ledger's lock, so that files
//!    are applied one at a time per database whatever the number of processes, then reads what
//!    the ledger knows of the bytes (a duplicate?) and of the name (a tryback dropped again?).
//! 5. **plan and apply** (`apply`): the kind plans the file against a snapshot read in the
//!    transaction and writes it, with the enrolments that follow and Moodle's log.
//! 6. **verdict** (`verdict`): how the file ends (applied, partial, held, rejected, rolled back,
//!    duplicate), what its report says of the earlier runs and the caches.
//! 7. **stage** (`stage`): the free names of every output, the report, the tryback and a copy of
//!    the input written into the claim folder with the plan of where they go, and the ledger
//!    row inserted.
//! 8. **commit**: the effects and the record become durable together; a claimed file that
//!    changed since it was read is rolled back instead.
//! 9. **place** (`place`): Moodle's caches refreshed, the staged files put in place, late writes
//!    kept, the report written again if it could not know.
//! 10. **summarise** (`summary`): what the run did, for the command line, the log and alerts.
//!
//! A crash anywhere is settled from the ledger (`service::settle_claim`): committed, the staged
//! outputs are put in place; not committed, the input goes back to the spool. No line is ever
//! applied twice and no report is ever missing or partial.
//!
//! A dry run (`entry::simulate`) reads, checks, plans and applies, then rolls back; it writes
//! its reports directly, records nothing in the ledger and leaves the input where it is.
//!
//! A cohort file whose `sync` would remove more of a cohort's members than `[cohorts]
//! max_sync_removal_percent` allows is **held**: planned, but none of its writes made; its
//! ledger row (outcome `held`, not an applied outcome, so that the same bytes are held again
//! rather than skipped as a duplicate) commits alone, and the input goes to the held area.
//! [`approve_file`] applies such a file with the limit lifted.

mod apply;
mod check;
mod entry;
mod lookup;
mod place;
mod read;
mod run;
mod stage;
mod summary;
mod take;
mod verdict;

pub use entry::{RunOptions, approve_file, connect, readable_file, run_file};
pub use summary::show_ms;
pub use take::{Interrupted, Processed, Taker, take};
