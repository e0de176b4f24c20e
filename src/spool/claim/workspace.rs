//! A process's work folder, `<spool>/.moodle-sync/<pid>@<host>/`, locked while the process
//! runs: claiming files into it (or adopting a file given to `run`), the claims left by
//! processes of this host that are gone, and which processes are alive.

use std::{
    fs::{self, File},
    io::{self, ErrorKind},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

use super::{
    folder::{CLAIM_FILE, Claim, VERSION},
    state::{now_ms, write_json},
};
use crate::{
    command::FileKind,
    host,
    output::atomic::{self, sync_dir},
};

/// The work folder inside the spool.
pub const WORK_FOLDER: &str = ".moodle-sync";

/// The lock file of a work folder, held while its process runs.
pub(super) const LOCK_FILE: &str = ".lock";

/// This process's work folder, locked while it lives.
#[derive(Debug)]
pub struct Workspace {
    root: PathBuf,
    dir: PathBuf,
    instance: String,
    _lock: File,
}

impl Workspace {
    /// Opens (creating it) this process's work folder under `spool`.
    pub fn open(spool: &Path) -> io::Result<Workspace> {
        let root = spool.join(WORK_FOLDER);
        let instance = host::instance();
        let dir = root.join(&instance);
        // The folder appears under its name already locked: built under a dot-name that
        // `orphans` never looks at, then renamed, so that a process starting at the same time
        // can never take it for a dead one's.
        let building = root.join(format!(".{instance}.starting"));
        let _ = fs::remove_dir_all(&building);
        fs::create_dir_all(&building)?;
        let lock = File::create(building.join(LOCK_FILE))?;
        lock.try_lock().map_err(|error| match error {
            fs::TryLockError::WouldBlock => io::Error::new(
                ErrorKind::WouldBlock,
                format!("{} is in use by another process", building.display()),
            ),
            fs::TryLockError::Error(error) => error,
        })?;
        if dir.exists() {
            let live = File::open(dir.join(LOCK_FILE))
                .map(|file| matches!(file.try_lock(), Err(fs::TryLockError::WouldBlock)))
                .unwrap_or(false);
            if live {
                let _ = fs::remove_dir_all(&building);
                return Err(io::Error::new(
                    ErrorKind::WouldBlock,
                    format!("{} is in use by another process", dir.display()),
                ));
            }
            // Left by an earlier process with the same pid: adopt its claims.
            for claim in claim_dirs(&dir) {
                if let Some(id) = claim.file_name() {
                    fs::rename(&claim, building.join(id))?;
                }
            }
            fs::remove_dir_all(&dir)?;
        }
        fs::rename(&building, &dir)?;
        sync_dir(&root);
        Ok(Workspace {
            root,
            dir,
            instance,
            _lock: lock,
        })
    }

    /// This process's name in claims and in the ledger: `pid@host`.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// This process's work folder, `<spool>/.moodle-sync/<pid>@<host>/`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Claims `name` in `spool` by renaming it into a new claim folder. `None` when another
    /// process took it first.
    pub fn claim(
        &self,
        spool: &Path,
        name: &str,
        kind: FileKind,
        marker: Option<&str>,
    ) -> io::Result<Option<Claim>> {
        let mut claim = self.new_claim(name, kind, spool.join(name), false)?;
        match fs::rename(spool.join(name), claim.dir.join(name)) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => {
                let _ = fs::remove_dir_all(&claim.dir);
                return Ok(None);
            }
            Err(error) => {
                let _ = fs::remove_dir_all(&claim.dir);
                return Err(error);
            }
        }
        if let Some(marker) = marker {
            let marker_name = format!("{name}{marker}");
            if fs::rename(spool.join(&marker_name), claim.dir.join(&marker_name)).is_ok() {
                claim.marker = Some(marker_name);
                write_json(&claim.dir.join(CLAIM_FILE), &claim)?;
            }
        }
        sync_dir(spool);
        sync_dir(&claim.dir);
        Ok(Some(claim))
    }

    /// Takes a file given to `run`: a copy of its bytes becomes the claimed input; the file
    /// itself stays where it is until the run has committed.
    pub fn adopt(&self, path: &Path, name: &str, kind: FileKind) -> io::Result<Claim> {
        let claim = self.new_claim(name, kind, path.to_path_buf(), true)?;
        let copied = File::open(path).and_then(|mut source| {
            atomic::replace_with(&claim.dir.join(name), |out| {
                io::copy(&mut source, out).map(drop)
            })
        });
        if let Err(error) = copied {
            let _ = fs::remove_dir_all(&claim.dir);
            return Err(error);
        }
        Ok(claim)
    }

    fn new_claim(
        &self,
        name: &str,
        kind: FileKind,
        source: PathBuf,
        external: bool,
    ) -> io::Result<Claim> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let claimed_at = now_ms();
        let id = format!(
            "{}-{claimed_at}-{}",
            self.instance,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = self.dir.join(&id);
        fs::create_dir(&dir)?;
        let claim = Claim {
            version: VERSION,
            id,
            dir,
            name: name.to_owned(),
            kind,
            source,
            external,
            marker: None,
            instance: self.instance.clone(),
            claimed_at,
        };
        write_json(&claim.dir.join(CLAIM_FILE), &claim)?;
        Ok(claim)
    }

    /// Claim folders to settle: this process's own, after adopting those of processes of
    /// this host that are gone (their lock is free). Adopting is a rename into this process's
    /// folder, so two processes starting together never settle the same claim.
    pub fn orphans(&self) -> Vec<PathBuf> {
        let host = host::name();
        let Ok(entries) = fs::read_dir(&self.root) else {
            return claim_dirs(&self.dir);
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path == self.dir || !path.is_dir() || name.starts_with('.') {
                continue;
            }
            let same_host = name.split_once('@').is_some_and(|(_, other)| other == host);
            if !same_host {
                continue;
            }
            let alive = File::open(path.join(LOCK_FILE))
                .map(|file| matches!(file.try_lock(), Err(fs::TryLockError::WouldBlock)))
                .unwrap_or(false);
            if alive {
                continue;
            }
            for claim in claim_dirs(&path) {
                if let Some(id) = claim.file_name() {
                    let _ = fs::rename(&claim, self.dir.join(id));
                }
            }
            if claim_dirs(&path).is_empty() {
                let _ = fs::remove_dir_all(&path);
            }
        }
        sync_dir(&self.dir);
        claim_dirs(&self.dir)
    }
}

/// Whether the process that made the instance folder `dir` still runs: it holds the folder's
/// lock. Only meaningful on the host that made it.
pub fn instance_alive(dir: &Path) -> bool {
    File::open(dir.join(LOCK_FILE))
        .map(|file| matches!(file.try_lock(), Err(fs::TryLockError::WouldBlock)))
        .unwrap_or(false)
}

impl Drop for Workspace {
    /// Removes the work folder when no claim is left in it, so that a clean stop leaves no
    /// trace; a folder with claims stays for the next start to settle.
    fn drop(&mut self) {
        if claim_dirs(&self.dir).is_empty() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// The claim folders in an instance folder.
pub(super) fn claim_dirs(instance: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(instance) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The work folders of `spool` whose process is alive on this host (their lock is held):
/// `pid@host` names, of `watch` and `run` processes alike.
pub fn live_instances(spool: &Path) -> Vec<String> {
    let host = host::name();
    let Ok(entries) = fs::read_dir(spool.join(WORK_FOLDER)) else {
        return Vec::new();
    };
    let mut live: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .filter(|name| name.split_once('@').is_some_and(|(_, other)| other == host))
        .filter(|name| {
            File::open(spool.join(WORK_FOLDER).join(name).join(LOCK_FILE))
                .map(|file| matches!(file.try_lock(), Err(fs::TryLockError::WouldBlock)))
                .unwrap_or(false)
        })
        .collect();
    live.sort();
    live
}

/// Every claim in the work folder of `spool`, of any process (for `status`).
pub fn in_progress(spool: &Path) -> Vec<Claim> {
    let root = spool.join(WORK_FOLDER);
    let Ok(entries) = fs::read_dir(root) else {
        return Vec::new();
    };
    let mut claims: Vec<Claim> = entries
        .filter_map(Result::ok)
        .flat_map(|entry| claim_dirs(&entry.path()))
        .filter_map(|dir| Claim::load(&dir).ok().flatten())
        .collect();
    claims.sort_by_key(|claim| claim.claimed_at);
    claims
}
