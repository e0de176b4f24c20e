//! Claiming files and settling their fate on disk, so that a crash at any instant loses
//! nothing and repeats nothing.
//!
//! Each process has a work folder `<spool>/.moodle-sync/<pid>@<host>/`, locked while it runs.
//! A file is claimed by renaming it from the spool into a claim folder of its own there (one
//! atomic rename on the spool's filesystem: of several watchers, exactly one succeeds). The
//! claim folder holds `claim.json` (what was claimed, from where), the input, and, once the
//! file's outcome is known but before its transaction commits, the staged report, JSON report
//! and tryback, a copy of the input's bytes as they were read (`staged-input`), with
//! `outputs.json` saying where each goes. After the commit they are put in place and the claim
//! folder removed. The archive (or the failed or held copy) is that staged copy, never the
//! claimed file itself: whatever a writer still holding the claimed file does to it, what is
//! kept is exactly what was read, applied and reported. If the claimed file changed after it
//! was read, it is kept too, beside, so that nothing a writer sent is lost.
//!
//! A claim folder found after a crash is settled by the ledger (`db::ledger`): if the ledger
//! holds its claim, the file's effects are committed and its staged outputs are put in place;
//! if not, nothing of it was applied and the input goes back to the spool.

use std::{
    fs::{self, File},
    io::{self, ErrorKind, Read},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::scan::Stamp;
use crate::{
    command::FileKind,
    host,
    output::atomic::{self, sync_dir},
};

/// The work folder inside the spool.
pub const WORK_FOLDER: &str = ".moodle-sync";

const CLAIM_FILE: &str = "claim.json";
const OUTPUTS_FILE: &str = "outputs.json";
const LOCK_FILE: &str = ".lock";
const VERSION: u32 = 1;

/// Format version of `outputs.json`: 2 added the staged copy of the input and its stamp.
pub const PLAN_VERSION: u32 = 2;

/// The name of the staged copy of the input's bytes in a claim folder.
pub const STAGED_INPUT: &str = "staged-input";

/// This process's work folder, locked while it lives.
#[derive(Debug)]
pub struct Workspace {
    root: PathBuf,
    dir: PathBuf,
    instance: String,
    _lock: File,
}

/// A claimed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Format version of `claim.json`.
    pub version: u32,
    /// Unique id: `<instance>-<unix ms>-<n>`.
    pub id: String,
    /// The claim folder.
    #[serde(skip)]
    pub dir: PathBuf,
    /// The file's name.
    pub name: String,
    /// Its kind, as routed.
    pub kind: FileKind,
    /// Where it was: in the spool, or the file `run` was given.
    pub source: PathBuf,
    /// Whether the input was copied from a file outside the spool (`run`), which stays where
    /// it is until the file is applied.
    pub external: bool,
    /// The done marker moved in with the file, if any.
    pub marker: Option<String>,
    /// The process that claimed it.
    pub instance: String,
    /// When, in Unix milliseconds.
    pub claimed_at: i64,
}

/// Where a file's staged outputs go once its transaction has committed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputPlan {
    /// Format version.
    pub version: u32,
    /// Staged files (names in the claim folder) and their destinations.
    pub files: Vec<Placement>,
    /// Where the input goes (archive, failed or held area); `None` leaves it (a `run`
    /// rejected).
    pub input_to: Option<PathBuf>,
    /// The name, in the claim folder, of the copy of the bytes that were read, which goes to
    /// `input_to`; `None` (a file that could not be read, a plan of version 1): the claimed
    /// input itself goes.
    #[serde(default)]
    pub input_staged: Option<String>,
    /// The claimed input as it was when it was read. If it differs when the outputs are put
    /// in place, a writer changed it after it was read: it is kept at `changed_to`.
    #[serde(default)]
    pub input_read: Option<Stamp>,
    /// Where a claimed input changed after it was read is kept (the failed area).
    #[serde(default)]
    pub changed_to: Option<PathBuf>,
    /// The SHA-256 of the bytes read: a file whose change time alone moved (a `chmod`, a
    /// link removed) but which holds them still did not change.
    #[serde(default)]
    pub input_sha256: Option<String>,
    /// For a `run`, the original file to remove once archived, if it still holds these bytes.
    pub remove_source: Option<SourceRemoval>,
}

/// One staged file and its destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Its name in the claim folder.
    pub staged: String,
    /// Its final path.
    pub to: PathBuf,
}

/// An original file to remove if it still holds the bytes that were applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRemoval {
    /// The file.
    pub path: PathBuf,
    /// The SHA-256 of the bytes applied.
    pub sha256: String,
}

/// Where things ended up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Final path of each staged file, in the plan's order.
    pub files: Vec<PathBuf>,
    /// Where the input went.
    pub input: Option<PathBuf>,
    /// Where the claimed file was kept because it changed after it was read.
    pub changed: Option<PathBuf>,
    /// Whether a `run`'s original file was left in place because it changed.
    pub source_changed: bool,
}

/// What became of a claim put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutBack {
    /// The input is back in the spool under its name.
    Done,
    /// A new file of that name was dropped meanwhile: the claim stays until the name is free.
    NameTaken,
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

impl Workspace {
    /// This process's work folder, `<spool>/.moodle-sync/<pid>@<host>/`.
    pub fn dir(&self) -> &Path {
        &self.dir
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
fn claim_dirs(instance: &Path) -> Vec<PathBuf> {
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

impl Claim {
    /// Reads the claim of a claim folder; `None` for a folder whose claim was never completed
    /// (a crash before the rename: nothing was taken), or that holds nothing left to settle.
    pub fn load(dir: &Path) -> io::Result<Option<Claim>> {
        let text = match fs::read(dir.join(CLAIM_FILE)) {
            Ok(text) => text,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        let Ok(mut claim) = serde_json::from_slice::<Claim>(&text) else {
            return Ok(None);
        };
        claim.dir = dir.to_path_buf();
        // Without its input a claim is either one whose rename never happened (nothing was
        // taken) or one whose input was already put in place after the commit, with outputs
        // still staged: `outputs.json` tells them apart.
        if !claim.input().exists() && !dir.join(OUTPUTS_FILE).exists() {
            return Ok(None);
        }
        Ok(Some(claim))
    }

    /// The claimed input.
    pub fn input(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// The path of a staged output.
    pub fn staged(&self, name: &str) -> PathBuf {
        self.dir.join(format!("staged-{name}"))
    }

    /// Records where the staged outputs go; from now on a committed ledger row means "put
    /// them in place".
    pub fn plan(&self, plan: &OutputPlan) -> io::Result<()> {
        write_json(&self.dir.join(OUTPUTS_FILE), plan)?;
        sync_dir(&self.dir);
        Ok(())
    }

    /// Forgets a staged outcome that will not be committed (the file changed after it was
    /// read): the plan goes first, so that a crash from here on leaves a claim that settles
    /// as never applied.
    pub fn unstage(&self) -> io::Result<()> {
        match fs::remove_file(self.dir.join(OUTPUTS_FILE)) {
            Ok(()) => sync_dir(&self.dir),
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        for entry in fs::read_dir(&self.dir)?.filter_map(Result::ok) {
            if entry.file_name().to_string_lossy().starts_with("staged-") {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    /// The recorded output plan, if the outcome was staged.
    pub fn recorded_plan(&self) -> io::Result<Option<OutputPlan>> {
        match fs::read(self.dir.join(OUTPUTS_FILE)) {
            Ok(text) => serde_json::from_slice(&text)
                .map(Some)
                .map_err(|error| io::Error::new(ErrorKind::InvalidData, error)),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Puts the staged outputs and the input in place, as the plan says, then removes the
    /// claim folder. Safe to repeat after a crash: what is already in place is kept.
    pub fn publish(&self, plan: &OutputPlan) -> io::Result<Published> {
        let mut published = Published::default();
        for placement in &plan.files {
            let staged = self.dir.join(&placement.staged);
            published.files.push(place(&staged, &placement.to)?);
        }
        if let Some(to) = &plan.input_to {
            published.input = Some(place(&self.placed_input(plan), to)?);
        }
        published.changed = self.keep_if_changed(plan)?;
        if let Some(removal) = &plan.remove_source {
            published.source_changed = !remove_if_unchanged(removal)?;
        }
        self.discard()?;
        Ok(published)
    }

    /// What goes to the plan's `input_to`: the staged copy of the bytes read, or, without one,
    /// the claimed input.
    pub fn placed_input(&self, plan: &OutputPlan) -> PathBuf {
        match &plan.input_staged {
            Some(staged) => self.dir.join(staged),
            None => self.input(),
        }
    }

    /// Keeps the claimed input at the plan's `changed_to` if it differs from what was read: a
    /// writer changed it after it was read. `None` when it did not change (or is gone).
    pub fn keep_if_changed(&self, plan: &OutputPlan) -> io::Result<Option<PathBuf>> {
        let (Some(read), Some(changed_to)) = (&plan.input_read, &plan.changed_to) else {
            return Ok(None);
        };
        match fs::metadata(self.input()) {
            Ok(metadata)
                if changed(
                    &self.input(),
                    &metadata,
                    read,
                    plan.input_sha256.as_deref().unwrap_or_default(),
                ) =>
            {
                Ok(Some(place(&self.input(), changed_to)?))
            }
            Ok(_) => Ok(None),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Keeps watching the claimed input after its commit until `until_ms` (Unix ms): a hard
    /// link in the work folder's `.watched/`, with what was read. [`check_watched`] keeps it
    /// at the plan's `changed_to` if a writer still sends bytes, and forgets it otherwise.
    pub fn watch_after(&self, plan: &OutputPlan, until_ms: i64) -> io::Result<()> {
        let (Some(read), Some(changed_to)) = (&plan.input_read, &plan.changed_to) else {
            return Ok(());
        };
        let Some(root) = self.dir.parent().and_then(Path::parent) else {
            return Ok(());
        };
        let dir = root.join(WATCHED);
        fs::create_dir_all(&dir)?;
        let watched = Watched {
            version: VERSION,
            name: self.name.clone(),
            read: *read,
            sha256: plan.input_sha256.clone().unwrap_or_default(),
            until_ms,
            changed_to: changed_to.clone(),
        };
        match fs::hard_link(self.input(), dir.join(&self.id)) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
        write_json(&dir.join(format!("{}.json", self.id)), &watched)
    }

    /// Puts the input back in the spool under its name (and its done marker), then removes
    /// the claim folder. Never replaces a file dropped meanwhile under the same name.
    pub fn put_back(&self, spool: &Path) -> io::Result<PutBack> {
        if self.external {
            self.discard()?;
            return Ok(PutBack::Done);
        }
        match atomic::move_new(&self.input(), &spool.join(&self.name)) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                return Ok(PutBack::NameTaken);
            }
            Err(error) => return Err(error),
        }
        if let Some(marker) = &self.marker {
            let _ = atomic::move_new(&self.dir.join(marker), &spool.join(marker));
        }
        sync_dir(spool);
        self.discard()?;
        Ok(PutBack::Done)
    }

    /// Removes the claim folder. `claim.json` goes first: a folder interrupted half-way is
    /// then one without a claim, which holds nothing left to settle.
    pub fn discard(&self) -> io::Result<()> {
        match fs::remove_file(self.dir.join(CLAIM_FILE)) {
            Ok(()) => sync_dir(&self.dir),
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        fs::remove_dir_all(&self.dir)?;
        if let Some(parent) = self.dir.parent() {
            sync_dir(parent);
        }
        Ok(())
    }
}

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

/// The folder, in the work folder, of applied files still watched for late writes.
const WATCHED: &str = ".watched";

/// An applied file still watched for late writes: what was read of it, until when, and where
/// it goes if it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Watched {
    version: u32,
    name: String,
    read: Stamp,
    sha256: String,
    until_ms: i64,
    changed_to: PathBuf,
}

/// A watched file that changed after it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateWrite {
    /// Its name in the spool.
    pub name: String,
    /// Where it was kept, as it is now.
    pub kept: PathBuf,
}

/// Looks at the applied files still watched (see [`Claim::watch_after`]): one that changed is
/// kept where its plan said (the failed area) and returned; one whose time is up unchanged is
/// forgotten. Errors leave an entry to be looked at again.
pub fn check_watched(spool: &Path, now_ms: i64) -> Vec<LateWrite> {
    let dir = spool.join(WORK_FOLDER).join(WATCHED);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut late = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|extension| extension != "json") {
            continue;
        }
        let file = path.with_extension("");
        let forget = || {
            let _ = fs::remove_file(&file);
            let _ = fs::remove_file(&path);
        };
        let Some(watched) = fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Watched>(&bytes).ok())
        else {
            forget();
            continue;
        };
        match fs::metadata(&file) {
            Ok(metadata) if changed(&file, &metadata, &watched.read, &watched.sha256) => {
                if let Ok(kept) = place(&file, &watched.changed_to) {
                    late.push(LateWrite {
                        name: watched.name,
                        kept,
                    });
                    forget();
                }
            }
            Ok(_) if now_ms >= watched.until_ms => forget(),
            Ok(_) => {}
            Err(_) => forget(),
        }
    }
    late
}

/// Removes a `run`'s original file if it still holds the bytes that were applied; `false`
/// when it changed meanwhile (it is left in place).
pub fn remove_if_unchanged(removal: &SourceRemoval) -> io::Result<bool> {
    match sha256_of(&removal.path) {
        Ok(sha) if sha == removal.sha256 => {
            fs::remove_file(&removal.path)?;
            if let Some(parent) = removal.path.parent() {
                sync_dir(parent);
            }
            Ok(true)
        }
        Ok(_) => Ok(false),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(true),
        Err(error) => Err(error),
    }
}

/// Puts `staged` at `to` without ever replacing another file: a hard link on one filesystem,
/// a synced copy across filesystems. If `to` already holds the same bytes (an earlier attempt
/// got that far), it is kept. `staged` stays until the claim folder is removed, so that a
/// repeated attempt finds which name it got.
pub fn place(staged: &Path, to: &Path) -> io::Result<PathBuf> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    if !staged.exists() {
        // Placed by an earlier attempt that stopped before removing the claim folder.
        if to.exists() {
            return Ok(to.to_path_buf());
        }
        return Err(io::Error::new(
            ErrorKind::NotFound,
            format!("{} is missing", staged.display()),
        ));
    }
    let mut target = to.to_path_buf();
    for n in 2..1000 {
        match atomic::link_new(staged, &target) {
            Ok(()) => break,
            Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                if same_content(staged, &target)? {
                    break;
                }
                // Another process took the name: keep both, never overwrite.
                target = PathBuf::from(format!("{}.{n}", to.display()));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(target)
}

fn same_content(a: &Path, b: &Path) -> io::Result<bool> {
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

/// Replaces the JSON state file at `path` with `value`.
fn write_json(path: &Path, value: &impl Serialize) -> io::Result<()> {
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

#[cfg(test)]
mod tests;
