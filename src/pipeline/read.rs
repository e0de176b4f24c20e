//! Phase 1, read: the input's bytes, as they are when the reading begins, with their SHA-256;
//! and, just before the commit, whether the claimed file changed since.

use std::{fs, io, io::ErrorKind, path::Path};

use sha2::{Digest, Sha256};

use crate::{
    error::FileError,
    spool::{
        claim::{self, Claim},
        scan::Stamp,
    },
};

/// A file as read.
pub(super) struct Input {
    pub(super) bytes: Vec<u8>,
    pub(super) sha256: String,
    /// The file as it was when its reading began: any write since shows in it.
    pub(super) stamp: Stamp,
}

/// Reads the file at `path`, up to `max` bytes. The error comes with the file's size, when it
/// is known.
pub(super) fn read(path: &Path, max: u64) -> Result<Input, (FileError, u64)> {
    let unreadable = |error| (FileError::Unreadable(error), 0);
    let mut file = fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        let error = io::Error::new(ErrorKind::InvalidInput, "not a regular file");
        return Err((FileError::Unreadable(error), 0));
    }
    if metadata.len() > max {
        let too_large = FileError::TooLarge {
            size: metadata.len(),
            max,
        };
        return Err((too_large, metadata.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    io::Read::read_to_end(&mut file, &mut bytes)
        .map_err(|error| (FileError::Unreadable(error), metadata.len()))?;
    let sha256 = claim::hex(&Sha256::digest(&bytes));
    Ok(Input {
        bytes,
        sha256,
        stamp: Stamp::of(&metadata),
    })
}

/// Whether the claimed file differs from what was read: a writer still holding it wrote to
/// it since. Its change time counts too (the claim's rename came before the reading).
pub(super) fn changed_since_read(claim: &Claim, input: &Input) -> Option<String> {
    if claim.external {
        // `run` reads a copy of its own, which nobody writes.
        return None;
    }
    match fs::metadata(claim.input()) {
        Ok(metadata) if claim::changed(&claim.input(), &metadata, &input.stamp, &input.sha256) => {
            Some(format!(
                "it changed after it was read ({} bytes read, {} bytes now): a writer still had it open",
                input.bytes.len(),
                metadata.len()
            ))
        }
        Ok(_) => None,
        Err(error) => Some(format!("it cannot be looked at again: {error}")),
    }
}
