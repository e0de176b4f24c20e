//! The spool's mechanics: what is ready to be taken (`scan`), whether a process still writes a
//! file (`writer`), hints that it changed (`watcher`), and claiming files and settling their
//! fate on disk (`claim`). The loop that uses them is `service`'s.

pub mod claim;
pub mod scan;
pub mod settings;
pub mod watcher;
pub mod writer;

pub use settings::{DuplicatePolicy, WatchMode, WatchSettings};
pub use writer::WriterCheck;
