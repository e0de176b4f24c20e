//! A claim folder: what `claim.json` says of the claimed file, its input and staged outputs,
//! and its end: put back into the spool, or removed once settled.

use std::{
    fs,
    io::{self, ErrorKind},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::outputs::OUTPUTS_FILE;
use crate::{
    command::FileKind,
    output::atomic::{self, sync_dir},
};

/// The claim's file in a claim folder.
pub(super) const CLAIM_FILE: &str = "claim.json";
/// Format version of `claim.json` (and of the watched files' records).
pub(super) const VERSION: u32 = 1;

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

/// What became of a claim put back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutBack {
    /// The input is back in the spool under its name.
    Done,
    /// A new file of that name was dropped meanwhile: the claim stays until the name is free.
    NameTaken,
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
