//! A person's decisions about the files moodle-sync kept: `retry` puts a failed file (or a
//! tryback) back into the spool under a name that routes, its lineage recorded in the ledger;
//! `discard` ends a held file without applying it, keeping it in `[paths] discarded` with a
//! report that says who discarded it and when. Both are ledger rows (outcomes `retried` and
//! `discarded`), and nothing is deleted: a file leaves its folder only once it is safely in its
//! new place (a hard link, or a flushed copy under a temporary name, then its name) and the
//! ledger row has committed.
//!
//! `retry`, `discard` (with its report in `discard_report`) and `approve` (a held file applied
//! once checked that no later snapshot followed it, and who approved it recorded) each have a
//! file; `files` holds what they share, and `who`
//! names the person.

mod approve;
mod discard;
mod discard_report;
mod files;
mod retry;
mod who;

pub use approve::{approve, check_latest_snapshot};
pub use discard::{Discarded, discard};
pub use retry::{Retried, retry};
pub use who::who;
