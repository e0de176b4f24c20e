//! Moodle's application caches (MUC), kept true after moodle-sync's direct writes: after each
//! commit, the keys Moodle's own functions would drop for the same changes are dropped (or
//! rebuilt) in the stores the site's `<dataroot>/muc/config.php` maps them to. Reading that
//! file (`php`, `muc`), naming the keys (`key`) and choosing them (`plan`) are pure; the
//! file store (`file_store`), the Redis store (`redis_store`) and the step itself (`refresh`)
//! do the IO.

pub mod file_store;
pub mod key;
pub mod muc;
pub mod outcome;
pub mod php;
pub mod plan;
pub mod redis_store;
pub mod refresh;

pub use outcome::{CacheAction, CacheEntry, CacheOutcome, CacheReport, CacheResult, PURGE_HINT};
pub use refresh::refresh;
