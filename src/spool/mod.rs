//! The spool: what is ready to be taken (`scan`), hints that it changed (`watcher`), claiming
//! files and settling their fate on disk (`claim`), and the service loop that applies them
//! (`service`).

pub mod claim;
pub mod scan;
pub mod service;
pub mod settings;
pub mod watcher;

pub use settings::{DuplicatePolicy, WatchMode, WatchSettings};
