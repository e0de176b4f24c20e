//! Claiming files and settling their fate on disk, so that a crash at any instant loses
//! nothing and repeats nothing.
//!
//! Each process has a work folder `<spool>/.moodle-sync/<pid>@<host>/`, locked while it runs.
//! A file is claimed by renaming it from the spool into a claim folder of its own there (one
//! atomic rename on the spool's filesystem: of several watchers, exactly one succeeds). The
//! claim folder holds `claim.json` (what was claimed, from where), the input, and, once the
//! file's outcome is known but before its transaction commits, the staged report, JSON report
//! and tryback, a copy of the input's bytes as they were read (`staged-input`), with
//! `outputs.json` saying where each goes. After the commit they are put in place and the claim
//! folder removed. The archive (or the failed or held copy) is that staged copy, never the
//! claimed file itself: whatever a writer still holding the claimed file does to it, what is
//! kept is exactly what was read, applied and reported. If the claimed file changed after it
//! was read, it is kept too, beside, so that nothing a writer sent is lost.
//!
//! A claim folder found after a crash is settled by the ledger (`db::ledger`): if the ledger
//! holds its claim, the file's effects are committed and its staged outputs are put in place;
//! if not, nothing of it was applied and the input goes back to the spool.
//!
//! - `workspace`: a process's work folder, claiming files into it, and the claims of
//!   processes gone.
//! - `folder`: a claim folder: its claim, its input, putting it back, removing it.
//! - `outputs`: the staged outputs' plan, and putting them in place.
//! - `watched`: applied files watched for late writes.
//! - `content`: a file's SHA-256, and whether it changed since it was read.
//! - `state`: the JSON state files and their time stamps.

mod content;
mod folder;
mod outputs;
mod state;
mod watched;
mod workspace;

pub use content::{changed, hex, sha256_of};
pub use folder::{Claim, PutBack};
pub use outputs::{
    OutputPlan, PLAN_VERSION, Placement, Published, STAGED_INPUT, SourceRemoval, place,
    remove_if_unchanged,
};
pub use state::now_ms;
pub use watched::{LateWrite, check_watched};
pub use workspace::{WORK_FOLDER, Workspace, in_progress, instance_alive, live_instances};

#[cfg(test)]
mod tests;
