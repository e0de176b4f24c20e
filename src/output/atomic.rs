//! Publishing files so that nobody ever sees a partial file and nothing is ever overwritten.
//!
//! A file is written under a temporary dot-name ending in `.tmp` (which the spool ignores),
//! flushed to disk, then given its final name with a hard link, which fails rather than replace
//! an existing file: on a clash the next candidate name is tried. Moving a file (the archive)
//! links it under its new name before unlinking the old one, so it exists at every instant.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, BufWriter, ErrorKind, Write},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

/// Gives candidate names for a file: `name(0)` first, then `name(1)`, … after clashes.
pub type Namer<'a> = &'a dyn Fn(u32) -> String;

/// How many candidates to try before giving up (a clash needs a file of the same name and
/// second per candidate).
const ATTEMPTS: u32 = 1000;

/// Writes `bytes` to a new file in `dir`, named by the first free candidate of `name` from
/// `first`. Returns the path.
pub fn publish(dir: &Path, name: Namer<'_>, first: u32, bytes: &[u8]) -> io::Result<PathBuf> {
    publish_with(dir, name, first, |out| out.write_all(bytes))
}

/// Like [`publish`], with the content streamed by `write` (through a buffer) rather than held
/// in memory.
pub fn publish_with(
    dir: &Path,
    name: Namer<'_>,
    first: u32,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let temporary = temporary_path(dir, &name(first));
    let written =
        write_synced(&temporary, write).and_then(|()| link_new(&temporary, dir, name, first));
    let _ = fs::remove_file(&temporary);
    let path = written?;
    sync_dir(dir);
    Ok(path)
}

/// Moves `source` into `dir` under the first free candidate of `name` from `first`. Across
/// filesystems, `bytes` (the file's content, already read) is written as a new file instead
/// and the source is removed afterwards.
pub fn move_into(
    source: &Path,
    dir: &Path,
    name: Namer<'_>,
    first: u32,
    bytes: &[u8],
) -> io::Result<PathBuf> {
    let path = match link_new(source, dir, name, first) {
        Ok(path) => path,
        Err(error) if error.kind() == ErrorKind::CrossesDevices => {
            publish(dir, name, first, bytes)?
        }
        Err(error) => return Err(error),
    };
    fs::remove_file(source)?;
    sync_dir(dir);
    if let Some(parent) = source.parent() {
        sync_dir(parent);
    }
    Ok(path)
}

/// The smallest `n` from which every `(dir, name)` candidate is free, so that the files of one
/// run share a name suffix.
pub fn free_suffix(candidates: &[(&Path, Namer<'_>)]) -> u32 {
    (0..ATTEMPTS)
        .find(|&n| {
            candidates
                .iter()
                .all(|(dir, name)| !dir.join(name(n)).exists())
        })
        .unwrap_or(0)
}

fn write_synced(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let file = OpenOptions::new().write(true).create_new(true).open(path)?;
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    out.into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .sync_all()
}

/// Gives `existing` a new name in `dir` that did not exist before.
fn link_new(existing: &Path, dir: &Path, name: Namer<'_>, first: u32) -> io::Result<PathBuf> {
    for n in first..first + ATTEMPTS {
        let target = dir.join(name(n));
        match fs::hard_link(existing, &target) {
            Ok(()) => return Ok(target),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::Unsupported | ErrorKind::PermissionDenied
                ) =>
            {
                // Some filesystems (FAT, some network shares) have no hard links: reserve the
                // name by creating it exclusively, then rename over our own reservation.
                match OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&target)
                {
                    Ok(_) => {
                        fs::rename(existing, &target)?;
                        return Ok(target);
                    }
                    Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
                    Err(error) => return Err(error),
                }
            }
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::new(
        ErrorKind::AlreadyExists,
        format!("no free name for {} in {}", name(first), dir.display()),
    ))
}

fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.{}-{unique}.tmp", std::process::id()))
}

/// Flushes a folder's entries, so that a new name survives a crash. Best effort: not every
/// platform can open a folder for this.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let name = |n: u32| {
            if n == 0 {
                "a.txt".to_owned()
            } else {
                format!("a-{}.txt", n + 1)
            }
        };
        let first = publish(dir.path(), &name, 0, b"one").unwrap();
        let second = publish(dir.path(), &name, 0, b"two").unwrap();
        assert_eq!(first.file_name().unwrap(), "a.txt");
        assert_eq!(second.file_name().unwrap(), "a-2.txt");
        assert_eq!(fs::read(&first).unwrap(), b"one");
        assert_eq!(fs::read(&second).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left behind");
    }

    #[test]
    fn move_into_keeps_bytes_and_removes_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("archive");
        fs::create_dir(&archive).unwrap();
        fs::write(archive.join("x.csv"), b"older").unwrap();
        let source = dir.path().join("x.csv");
        fs::write(&source, b"\xEF\xBB\xBFcid\r\n").unwrap();
        let name = |n: u32| {
            if n == 0 {
                "x.csv".to_owned()
            } else {
                format!("x-{}.csv", n + 1)
            }
        };
        let moved = move_into(&source, &archive, &name, 0, b"unused").unwrap();
        assert_eq!(moved, archive.join("x-2.csv"));
        assert_eq!(fs::read(&moved).unwrap(), b"\xEF\xBB\xBFcid\r\n");
        assert_eq!(fs::read(archive.join("x.csv")).unwrap(), b"older");
        assert!(!source.exists());
    }

    #[test]
    fn free_suffix_skips_names_taken_in_any_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("r-2.txt"), b"").unwrap();
        let report = |n: u32| format!("r-{}.txt", n + 1);
        let archive = |n: u32| format!("a-{}.csv", n + 1);
        assert_eq!(
            free_suffix(&[(dir.path(), &report), (dir.path(), &archive)]),
            0
        );
        fs::write(dir.path().join("a-1.csv"), b"").unwrap();
        assert_eq!(
            free_suffix(&[(dir.path(), &report), (dir.path(), &archive)]),
            2
        );
    }
}
