//! The service of `moodle-sync watch`: the loop that lists the spool and takes each ready file
//! (`worker`), one file taken (`take`), interrupted claims settled from the ledger (`settle`),
//! and the heartbeat that tells `status` the service runs (`heartbeat`).

pub mod heartbeat;
mod settle;
mod take;
mod worker;

pub use settle::settle_claim;
pub use worker::Service;
