//! A file's content: its SHA-256, and whether the file changed since it was read.

use std::{
    fs::{self, File},
    io::{self, Read},
    path::Path,
};

use sha2::{Digest, Sha256};

use crate::spool::scan::Stamp;

/// Whether the file at `path` (its metadata given) differs from what was read: another stamp,
/// unless only its change time moved and it still holds the bytes read (`sha256`).
pub fn changed(path: &Path, metadata: &fs::Metadata, read: &Stamp, sha256: &str) -> bool {
    let now = Stamp::of(metadata);
    if now == *read {
        return false;
    }
    let same_content_stamp =
        now.size == read.size && now.modified == read.modified && now.inode == read.inode;
    !(same_content_stamp && !sha256.is_empty() && sha256_of(path).is_ok_and(|sha| sha == sha256))
}

/// Whether two files hold the same bytes.
pub(super) fn same_content(a: &Path, b: &Path) -> io::Result<bool> {
    Ok(fs::metadata(a)?.len() == fs::metadata(b)?.len() && sha256_of(a)? == sha256_of(b)?)
}

/// The SHA-256 of a file's bytes, in hex, read in chunks.
pub fn sha256_of(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Bytes in lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
