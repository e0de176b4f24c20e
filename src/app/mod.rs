//! The commands: what `init`, `run`, `approve`, `retry`, `discard`, `prune`, `watch` and `status` do with a loaded
//! configuration. The only module, with `main`, that prints to the console, and the only one
//! that spawns long-lived tasks (the service loop of `watch`, its heartbeat, its alert task,
//! the NetYpareo scheduler, the daily prune).
//!
//! `run` hands each command to its file: `apply` (`run` and `approve`), `decisions` (`retry`
//! and `discard`), `prune`, `init`, `watch`, `status`, `serve` (`console`) and `netypareo`.

mod apply;
pub mod console;
mod decisions;
mod init;
mod netypareo;
mod prune;
mod run;
mod serve;
mod status;
mod watch;

pub use init::{DEMO_BINDINGS_FILE, DEMO_BINDINGS_FILE_NAME, DEMO_FILE, DEMO_FILE_NAME};
pub use run::{connect, run};
