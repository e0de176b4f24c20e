//! One prune of one folder, in the order that loses nothing: for each month, the bundle
//! written whole to a temporary file and flushed, put in place atomically, read back from its
//! final path and checked (every entry's CRC, every old entry still there as it was, every
//! new entry's size and SHA-256 equal to its original's as it is now), and only then the
//! originals removed; then the bundles past their horizon deleted. An interruption anywhere
//! leaves each file in the folder, in a checked bundle, or both.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs, io,
    path::{Path, PathBuf},
};

use chrono::{DateTime, Utc};

use super::{
    FolderPlan, FolderRule, MonthBundle,
    bundle::{self, Digest256, NewEntry, digest_file, free_entry, read_entries},
    plan,
};
use crate::output::atomic;

/// Why a prune of a folder stopped. No original is removed before its bundle is checked.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// A file or folder could not be read, written or removed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "list".
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A month's bundle already there cannot be read: it is left as it is, and that month's
    /// files stay in the folder.
    #[error("cannot read the bundle {}: {source}; it is left as it is and no file of its month was removed", path.display())]
    Unreadable {
        /// The bundle.
        path: PathBuf,
        /// What the zip reader said.
        #[source]
        source: zip::result::ZipError,
    },
    /// Another prune of the same folder (another process, another host) is under way.
    #[error("another prune of {} is under way (it holds {})", dir.display(), LOCK_NAME)]
    Busy {
        /// The folder.
        dir: PathBuf,
    },
    /// A bundle just written does not hold what it should, read back from its final path.
    #[error("the bundle {} failed its check: {reason}; no original was removed", path.display())]
    Unverified {
        /// The bundle.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
}

/// The hidden file in a folder whose lock one prune at a time holds.
const LOCK_NAME: &str = ".retention.lock";

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> RetentionError {
    let path = path.to_path_buf();
    move |source| RetentionError::Io {
        action,
        path,
        source,
    }
}

/// One bundle a prune wrote (or, dry, would write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleDone {
    /// Its file name, `bundle-YYYY-MM.zip`.
    pub name: String,
    /// The files put into it and removed from the folder, by their names in the folder.
    pub files: Vec<String>,
    /// Their bytes, together.
    pub bytes: u64,
}

/// What a prune did (or, dry, would do) in one folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// The bundles written, oldest month first.
    pub bundles: Vec<BundleDone>,
    /// The bundles deleted, by file name.
    pub deleted: Vec<String>,
}

impl Pruned {
    /// What a plan would do, done by nobody.
    pub fn planned(plan: &FolderPlan) -> Pruned {
        Pruned {
            bundles: plan.bundles.iter().map(planned_bundle).collect(),
            deleted: plan
                .deletions
                .iter()
                .map(|month| month.bundle_name())
                .collect(),
        }
    }
}

fn planned_bundle(bundle: &MonthBundle) -> BundleDone {
    BundleDone {
        name: bundle.month.bundle_name(),
        files: bundle.files.iter().map(|file| file.name.clone()).collect(),
        bytes: bundle.files.iter().map(|file| file.size).sum(),
    }
}

/// Prunes the folder `dir` under `rule` as if it were `now`; with `dry_run`, only says what it
/// would do. A folder that does not exist has nothing to prune.
pub fn prune_folder(
    dir: &Path,
    rule: FolderRule,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Pruned, RetentionError> {
    if dry_run {
        let listing = bundle::list(dir).map_err(io_error("list", dir))?;
        return Ok(Pruned::planned(&plan(&listing, rule, now)));
    }
    prune_folder_with(dir, rule, now, &mut |_| {}, &|| false)
}

/// [`prune_folder`], for real, with `before_check` called with each bundle's path once it is in
/// place and before it is read back (tests use it to damage a bundle), and `stop` asked before
/// each month (a service stopping): when it says so, the prune ends there, what was done done.
pub fn prune_folder_with(
    dir: &Path,
    rule: FolderRule,
    now: DateTime<Utc>,
    before_check: &mut dyn FnMut(&Path),
    stop: &dyn Fn() -> bool,
) -> Result<Pruned, RetentionError> {
    let mut pruned = Pruned::default();
    if rule == FolderRule::OFF || !dir.is_dir() {
        return Ok(pruned);
    }
    // One prune of a folder at a time: two writing the same month's bundle could each
    // replace the other's.
    let lock_path = dir.join(LOCK_NAME);
    let lock = fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_error("create", &lock_path))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            return Err(RetentionError::Busy {
                dir: dir.to_path_buf(),
            });
        }
        Err(fs::TryLockError::Error(error)) => return Err(io_error("lock", &lock_path)(error)),
    }
    let listing = bundle::list(dir).map_err(io_error("list", dir))?;
    let plan = plan(&listing, rule, now);
    for month in &plan.bundles {
        if stop() {
            return Ok(pruned);
        }
        pruned.bundles.push(bundle_month(dir, month, before_check)?);
    }
    for month in &plan.deletions {
        let name = month.bundle_name();
        let path = dir.join(&name);
        fs::remove_file(&path).map_err(io_error("delete", &path))?;
        pruned.deleted.push(name);
    }
    if !plan.deletions.is_empty() {
        atomic::sync_dir(dir);
    }
    drop(lock);
    Ok(pruned)
}

/// One month: its bundle written with the new files, checked, then the originals removed.
fn bundle_month(
    dir: &Path,
    month: &MonthBundle,
    before_check: &mut dyn FnMut(&Path),
) -> Result<BundleDone, RetentionError> {
    let path = dir.join(month.month.bundle_name());
    let had_bundle = path.exists();
    let old = if had_bundle {
        read_entries(&path).map_err(|source| RetentionError::Unreadable {
            path: path.clone(),
            source,
        })?
    } else {
        BTreeMap::new()
    };
    let mut taken: BTreeSet<String> = old.keys().cloned().collect();
    // Files whose very bytes the bundle already holds under their name (a prune interrupted
    // after its check): only their removal is left to do.
    let mut expected: BTreeMap<String, (Digest256, &str)> = BTreeMap::new();
    let mut new = Vec::new();
    for file in &month.files {
        if let Some(held) = old.get(&file.name) {
            let original = dir.join(&file.name);
            let now = digest_file(&original).map_err(io_error("read", &original))?;
            if &now == held {
                expected.insert(file.name.clone(), (now, &file.name));
                continue;
            }
        }
        let entry = free_entry(&file.name, &taken);
        taken.insert(entry.clone());
        new.push(NewEntry { file, entry });
    }
    if !new.is_empty() {
        let written =
            bundle::write(&path, dir, had_bundle, &new).map_err(io_error("write", &path))?;
        for item in &new {
            let digest = written[&item.entry].clone();
            expected.insert(item.entry.clone(), (digest, &item.file.name));
        }
    }
    before_check(&path);
    check(dir, &path, &old, &expected)?;
    let mut folders = BTreeSet::new();
    for file in &month.files {
        let original = dir.join(&file.name);
        fs::remove_file(&original).map_err(io_error("remove", &original))?;
        folders.insert(original.parent().map(Path::to_path_buf));
    }
    for folder in folders.into_iter().flatten() {
        atomic::sync_dir(&folder);
    }
    Ok(planned_bundle(month))
}

/// Reads the bundle back from `path`: every entry read to its end (CRC checked), every entry
/// of the old bundle there as it was, every expected entry there with the bytes written, and
/// each original still those bytes.
fn check(
    dir: &Path,
    path: &Path,
    old: &BTreeMap<String, Digest256>,
    expected: &BTreeMap<String, (Digest256, &str)>,
) -> Result<(), RetentionError> {
    let unverified = |reason: String| RetentionError::Unverified {
        path: path.to_path_buf(),
        reason,
    };
    let found = read_entries(path).map_err(|error| unverified(error.to_string()))?;
    for (name, digest) in old {
        if found.get(name) != Some(digest) {
            return Err(unverified(format!(
                "the entry \"{name}\" it held is lost or changed"
            )));
        }
    }
    for (entry, (digest, original)) in expected {
        if found.get(entry) != Some(digest) {
            return Err(unverified(format!(
                "the entry \"{entry}\" is missing or differs from what was written"
            )));
        }
        let source = dir.join(original);
        let now = digest_file(&source)
            .map_err(|error| unverified(format!("\"{original}\" cannot be read again: {error}")))?;
        if &now != digest {
            return Err(unverified(format!(
                "\"{original}\" changed since it was bundled"
            )));
        }
    }
    Ok(())
}
