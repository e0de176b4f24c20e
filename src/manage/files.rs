//! What `retry` and `discard` share on the files they move: where a file is, what it holds,
//! and its removal once its new place is recorded.

use std::{fs, path::Path};

use crate::{exit::Fatal, output::atomic, spool::claim};

/// Whether `path` is directly in `folder`.
pub(super) fn same_folder(path: &Path, folder: &Path) -> bool {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match (fs::canonicalize(parent), fs::canonicalize(folder)) {
        (Ok(parent), Ok(folder)) => parent == folder,
        _ => false,
    }
}

/// Removes the original once its new place is recorded; says so when it cannot.
pub(super) fn remove_original(path: &Path) -> Option<String> {
    match fs::remove_file(path) {
        Ok(()) => {
            if let Some(parent) = path.parent() {
                atomic::sync_dir(parent);
            }
            None
        }
        Err(error) => Some(format!(
            "{} could not be removed ({error}); remove it by hand",
            path.display()
        )),
    }
}

/// The size and SHA-256 of the file at `path`, as the ledger records them.
pub(super) fn size_and_sha(path: &Path) -> Result<(u64, String), Fatal> {
    let size = fs::metadata(path)
        .map_err(|source| Fatal::io("cannot read", path, source))?
        .len();
    let sha = claim::sha256_of(path).map_err(|source| Fatal::io("cannot read", path, source))?;
    Ok((size, sha))
}
