//! Unit tests of claims: renames, staging, placing, putting back.
//!
//! Each test works in a temporary spool of its own: a process has one work folder per spool
//! (`<pid>@<host>`), so two tests sharing a spool would share it.
//!
//! - `support`: the temporary spool and its look-ups.
//! - `claiming`: claims made, loaded and put back.
//! - `placing`: a staged file put in place, never over another.
//! - `publishing`: a claim's outputs published, again after a crash.
//! - `work_folders`: processes' work folders, and the claims of those gone.
//! - `late_writes`: an input changed after it was read, or after its commit.

mod claiming;
mod late_writes;
mod placing;
mod publishing;
mod support;
mod work_folders;
