//! Running the exports of one instance: fetch from NetYpareo, render with [`super::export`],
//! publish the command files into the spool (atomically, under names the watcher routes), and
//! tell the console what was written, with the plugin's own lines.
//!
//! Failures are isolated: an endpoint the token may not call fails the part that needs it
//! (the tutors, say) and the others are still written. A part whose data is incomplete never
//! writes its `sync` file, since a missing member would be removed.
//!
//! - `run`: [`pull`], the instance's exports in order.
//! - `fetch`: what the exports read from NetYpareo: the definition cache, the periods, the
//!   students.
//! - `parts`: each export's parts, rendered into command files.
//! - `publish`: a command file published into the spool.
//! - `console`: the console's lines, and the pull's report that keeps them.
//! - `outcome`: what a pull did, and why a part failed.
//! - `last_pull`: the record of each instance's last pull, for `status`.

mod console;
mod fetch;
mod last_pull;
mod outcome;
mod parts;
mod publish;
mod run;

pub use console::Console;
pub use last_pull::{ExportRecord, LAST_PULL_VERSION, LastPull, last_pull_path, read_last_pull};
pub use outcome::{ExportOutcome, PartError, PullOutcome};
pub use run::{Destination, pull};
