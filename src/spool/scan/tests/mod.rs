//! Unit tests of the stability gate and the order of ready files.
//!
//! Listings are built by hand, with an `Instant` and a wall-clock time that advance together,
//! so that every case is exact and none waits.
//!
//! - `support`: the clocks, the rules and the samples the tests build listings from.
//! - `names`: ignored names and unrouted files.
//! - `settling`: when a file is ready, and what is due next.
//! - `order`: the order ready files are taken in, batch by batch.
//! - `writing`: files a process still holds open for writing.

mod names;
mod order;
mod settling;
mod support;
mod writing;
