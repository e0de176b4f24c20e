//! The spool: what is ready to be taken (`scan`), whether a process still writes a file
//! (`writer`), hints that it changed (`watcher`), claiming files and settling their fate on disk
//! (`claim`), the service loop that applies them (`service`) and its heartbeat
//! (`heartbeat`).

pub mod claim;
pub mod heartbeat;
pub mod scan;
pub mod service;
pub mod settings;
pub mod watcher;
pub mod writer;

pub use settings::{DuplicatePolicy, WatchMode, WatchSettings};
pub use writer::WriterCheck;
