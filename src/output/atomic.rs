//! The one way moodle-sync writes a file that others read: nobody ever sees a partial file, and
//! nothing is ever overwritten by accident.
//!
//! A file is written under a temporary dot-name ending in `.tmp` (which the spool ignores) in
//! its destination folder, flushed to disk, then given its final name without replacing
//! anything: `renameat2(RENAME_NOREPLACE)` or a hard link (tempfile's `persist_noclobber`),
//! trying the next candidate name on a clash. On a filesystem with neither (some network
//! shares) the name is checked free and the temporary file renamed to it: only there could two
//! processes publishing the same name at the same instant collide. A temporary file is removed
//! whatever happens, even on an error.
//!
//! [`publish`] makes a new file under the first free name; [`link_new`] and [`move_new`] give
//! an existing file a new name (a hard link, or a synced copy across filesystems); [`replace`]
//! swaps a file of moodle-sync's own (a heartbeat, a claim's plan, a month's retention bundle)
//! for its next version, the only writes that reuse a name on purpose.

use std::{
    fs::{self, File},
    io::{self, BufWriter, ErrorKind, Write},
    path::{Path, PathBuf},
};

use tempfile::NamedTempFile;

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
    let mut file = written(dir, &name(first), write)?;
    for n in first..first.saturating_add(ATTEMPTS) {
        let target = dir.join(name(n));
        match persist_new(file, &target) {
            Ok(()) => {
                sync_dir(dir);
                return Ok(target);
            }
            Err(taken) if taken.error.kind() == ErrorKind::AlreadyExists => file = taken.file,
            Err(failed) => return Err(failed.error),
        }
    }
    Err(io::Error::new(
        ErrorKind::AlreadyExists,
        format!("no free name for {} in {}", name(first), dir.display()),
    ))
}

/// Gives the existing file `from` the new name `to`, which must be free (else
/// [`ErrorKind::AlreadyExists`]): a hard link, or across filesystems a synced copy published
/// there. `from` stays.
pub fn link_new(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => {}
        Err(error) if error.kind() == ErrorKind::AlreadyExists => return Err(error),
        Err(_) => {
            let dir = parent(to);
            let mut source = File::open(from)?;
            let copy = written(dir, &file_name(to), |out| {
                io::copy(&mut source, out).map(drop)
            })?;
            persist_new(copy, to).map_err(|failed| failed.error)?;
        }
    }
    sync_dir(parent(to));
    Ok(())
}

/// Moves the file `from` to the free name `to` (else [`ErrorKind::AlreadyExists`]), on one
/// filesystem: a hard link then the old name removed, or a rename to a name checked free where
/// links are not supported.
pub fn move_new(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from)?,
        Err(error) if error.kind() == ErrorKind::AlreadyExists => return Err(error),
        Err(_) if to.exists() => return Err(io::Error::from(ErrorKind::AlreadyExists)),
        Err(_) => fs::rename(from, to)?,
    }
    sync_dir(parent(to));
    Ok(())
}

/// Replaces the state file at `path` with `bytes`, atomically: a reader finds the old content
/// or the new one, never a part. Unlike [`publish`], the name is reused on purpose: this is for
/// moodle-sync's own state (a heartbeat, the last pull, a claim's files), not for outputs. The
/// folder must exist.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_with(path, |out| out.write_all(bytes))
}

/// Like [`replace`], with the content streamed by `write`.
pub fn replace_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent(path);
    written(dir, &file_name(path), write)?
        .persist(path)
        .map_err(|failed| failed.error)?;
    sync_dir(dir);
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

/// Flushes a folder's entries, so that a new name survives a crash. Best effort: not every
/// platform can open a folder for this.
pub fn sync_dir(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// A temporary file in `dir` (`.<name>.<random>.tmp`) holding what `write` wrote, flushed to
/// disk. It is removed when dropped unless given a name.
fn written(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<NamedTempFile> {
    let file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.as_file().sync_all()?;
    Ok(file)
}

/// Gives the temporary `file` the name `target` if it is free. Where the filesystem has
/// neither `RENAME_NOREPLACE` nor hard links, a rename to a name checked free.
fn persist_new(file: NamedTempFile, target: &Path) -> Result<(), tempfile::PersistError> {
    match file.persist_noclobber(target) {
        Ok(_) => Ok(()),
        Err(failed)
            if matches!(
                failed.error.kind(),
                ErrorKind::Unsupported | ErrorKind::PermissionDenied
            ) =>
        {
            if target.exists() {
                return Err(tempfile::PersistError {
                    error: io::Error::from(ErrorKind::AlreadyExists),
                    file: failed.file,
                });
            }
            failed.file.persist(target).map(drop)
        }
        Err(failed) => Err(failed),
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
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

    #[test]
    fn a_new_name_never_replaces_a_file_and_the_source_stays() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("staged");
        let taken = dir.path().join("taken.txt");
        fs::write(&from, b"applied").unwrap();
        fs::write(&taken, b"other").unwrap();
        let error = link_new(&from, &taken).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&taken).unwrap(), b"other");
        let to = dir.path().join("new.txt");
        link_new(&from, &to).unwrap();
        assert_eq!(fs::read(&to).unwrap(), b"applied");
        assert_eq!(fs::read(&from).unwrap(), b"applied");
    }

    #[test]
    fn a_move_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("claimed.csv");
        let to = dir.path().join("cohorts.csv");
        fs::write(&from, b"one").unwrap();
        fs::write(&to, b"dropped meanwhile").unwrap();
        assert_eq!(
            move_new(&from, &to).unwrap_err().kind(),
            ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read(&to).unwrap(), b"dropped meanwhile");
        fs::remove_file(&to).unwrap();
        move_new(&from, &to).unwrap();
        assert_eq!(fs::read(&to).unwrap(), b"one");
        assert!(!from.exists());
    }

    #[test]
    fn a_state_file_is_replaced_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("service.json");
        replace(&path, b"{\"v\":1}").unwrap();
        replace_with(&path, |out| out.write_all(b"{\"v\":2}")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"v\":2}");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["service.json"]);
        // A write that fails leaves the old content and no temporary file either.
        let failed = replace_with(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("the writer failed"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"{\"v\":2}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
