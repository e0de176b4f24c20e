//! The staged outputs of a claim: where each goes once the file's transaction has committed
//! (`outputs.json`), and putting them and the input in place, never over another file.

use std::{
    fs,
    io::{self, ErrorKind},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::{
    content::{changed, same_content, sha256_of},
    folder::Claim,
    state::write_json,
};
use crate::{
    output::atomic::{self, sync_dir},
    spool::scan::Stamp,
};

/// The plan's file in a claim folder.
pub(super) const OUTPUTS_FILE: &str = "outputs.json";

/// Format version of `outputs.json`: 2 added the staged copy of the input and its stamp.
pub const PLAN_VERSION: u32 = 2;

/// The name of the staged copy of the input's bytes in a claim folder.
pub const STAGED_INPUT: &str = "staged-input";

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

impl Claim {
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
