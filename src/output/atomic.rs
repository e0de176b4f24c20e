//! Publishing files so that nobody ever sees a partial file and nothing is ever overwritten.
//!
//! A file is written under a temporary dot-name ending in `.tmp` (which the spool ignores) in
//! its destination folder, flushed to disk, then given its final name with a hard link, which
//! fails rather than replace an existing file: on a clash the next candidate name is tried.
//! The temporary file is our own, so the kernel's hard-link protections never refuse it. On a
//! filesystem without hard links (some network shares) the name is checked free and the
//! temporary file renamed to it: only there could two processes publishing the same name at
//! the same instant collide.
//!
//! An input is archived the same way, from the bytes that were read and applied, and is then
//! removed only if it has not changed since it was read.

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

/// Size, modification time and identity of a file when it was read, to tell later whether it
/// has changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    identity: (u64, u64),
}

impl FileStamp {
    /// The stamp of `metadata`.
    pub fn of(metadata: &fs::Metadata) -> FileStamp {
        FileStamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            #[cfg(unix)]
            identity: {
                use std::os::unix::fs::MetadataExt;
                (metadata.dev(), metadata.ino())
            },
        }
    }
}

/// What became of an archived input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputLeft {
    /// It was removed: the archive replaces it.
    Removed,
    /// It changed after it was read, so it was left in place: the archive holds the bytes that
    /// were applied, the input holds newer ones.
    ChangedInPlace,
}

/// Archives an input: publishes `bytes` (what was read, and applied) into `dir` under the
/// first free candidate of `name` from `first`, then removes `source` if it is still the file
/// `read` describes.
pub fn archive(
    source: &Path,
    read: &FileStamp,
    dir: &Path,
    name: Namer<'_>,
    first: u32,
    bytes: &[u8],
) -> io::Result<(PathBuf, InputLeft)> {
    let path = publish(dir, name, first, bytes)?;
    let unchanged = fs::metadata(source).map(|metadata| FileStamp::of(&metadata) == *read)?;
    if !unchanged {
        return Ok((path, InputLeft::ChangedInPlace));
    }
    fs::remove_file(source)?;
    if let Some(parent) = source.parent() {
        sync_dir(parent);
    }
    Ok((path, InputLeft::Removed))
}

/// Replaces the state file at `path` with `bytes`, atomically: a reader finds the old content
/// or the new one, never a part. Unlike [`publish`], the name is reused on purpose: this is for
/// moodle-sync's own state (a heartbeat, the last pull), not for outputs. Written to a `.tmp`
/// dot-name beside it, flushed, then renamed over it. The folder must exist.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = temporary_path(folder, &name);
    let written = write_synced(&temporary, |out| out.write_all(bytes))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    sync_dir(folder);
    Ok(())
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

/// Gives our temporary file `temporary` a new name in `dir` that did not exist before.
fn link_new(temporary: &Path, dir: &Path, name: Namer<'_>, first: u32) -> io::Result<PathBuf> {
    for n in first..first + ATTEMPTS {
        let target = dir.join(name(n));
        match fs::hard_link(temporary, &target) {
            Ok(()) => return Ok(target),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
            Err(error)
                if matches!(
                    error.kind(),
                    ErrorKind::Unsupported | ErrorKind::PermissionDenied
                ) =>
            {
                // No hard links on this filesystem: rename to a name checked free.
                if target.exists() {
                    continue;
                }
                fs::rename(temporary, &target)?;
                return Ok(target);
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
    fn archive_keeps_the_bytes_applied_and_removes_an_unchanged_source() {
        let dir = tempfile::tempdir().unwrap();
        let archive_dir = dir.path().join("archive");
        fs::create_dir(&archive_dir).unwrap();
        fs::write(archive_dir.join("x.csv"), b"older").unwrap();
        let source = dir.path().join("x.csv");
        fs::write(&source, b"\xEF\xBB\xBFcid\r\n").unwrap();
        let read = FileStamp::of(&fs::metadata(&source).unwrap());
        let name = |n: u32| {
            if n == 0 {
                "x.csv".to_owned()
            } else {
                format!("x-{}.csv", n + 1)
            }
        };
        let (archived, left) = archive(
            &source,
            &read,
            &archive_dir,
            &name,
            0,
            b"\xEF\xBB\xBFcid\r\n",
        )
        .unwrap();
        assert_eq!(
            (archived, left),
            (archive_dir.join("x-2.csv"), InputLeft::Removed)
        );
        assert_eq!(
            fs::read(archive_dir.join("x-2.csv")).unwrap(),
            b"\xEF\xBB\xBFcid\r\n"
        );
        assert_eq!(fs::read(archive_dir.join("x.csv")).unwrap(), b"older");
        assert!(!source.exists());
    }

    #[test]
    fn archive_leaves_an_input_that_changed_since_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("cohorts.csv");
        fs::write(&source, b"cidnumber\nC1\n").unwrap();
        let read = FileStamp::of(&fs::metadata(&source).unwrap());
        // A writer appends after the file was read and applied.
        fs::write(&source, b"cidnumber\nC1\nC2\n").unwrap();
        let name = |n: u32| format!("a-{n}.csv");
        let (archived, left) =
            archive(&source, &read, dir.path(), &name, 0, b"cidnumber\nC1\n").unwrap();
        assert_eq!(left, InputLeft::ChangedInPlace);
        assert_eq!(fs::read(archived).unwrap(), b"cidnumber\nC1\n");
        assert_eq!(fs::read(&source).unwrap(), b"cidnumber\nC1\nC2\n");
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
