//! The claims' JSON state files, replaced whole, and the Unix milliseconds they are stamped
//! with.

use std::{
    io,
    path::Path,
    time::{SystemTime, UNIX_EPOCH},
};

use serde::Serialize;

use crate::output::atomic;

/// Replaces the JSON state file at `path` with `value`.
pub(super) fn write_json(path: &Path, value: &impl Serialize) -> io::Result<()> {
    atomic::replace(
        path,
        &serde_json::to_vec_pretty(value).map_err(io::Error::other)?,
    )
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}
