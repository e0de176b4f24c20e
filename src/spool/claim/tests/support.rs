//! The temporary spool the tests work in, and what they look up in it.

use std::{
    fs,
    path::{Path, PathBuf},
};

use tempfile::TempDir;

use crate::{
    command::FileKind,
    spool::claim::{Claim, WORK_FOLDER, Workspace},
};

pub(super) const BYTES: &[u8] = b"cidnumber;cname;userid\nC1;Cohort one;u1\n";

/// A temporary spool, and the folders outputs go to beside it.
pub(super) struct World {
    pub(super) dir: TempDir,
}

impl World {
    pub(super) fn new() -> World {
        let world = World {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        fs::create_dir(world.spool()).expect("the spool");
        world
    }

    pub(super) fn spool(&self) -> PathBuf {
        self.dir.path().join("spool")
    }

    pub(super) fn archive(&self) -> PathBuf {
        self.dir.path().join("archive")
    }

    pub(super) fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }

    /// Drops `bytes` into the spool as `name`.
    pub(super) fn drop_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.spool().join(name);
        fs::write(&path, bytes).expect("a file in the spool");
        path
    }

    /// The work folder of the spool, where every instance has its folder.
    pub(super) fn work(&self) -> PathBuf {
        self.spool().join(WORK_FOLDER)
    }

    /// Claims `name`, which must be there.
    pub(super) fn claim(&self, workspace: &Workspace, name: &str) -> Claim {
        workspace
            .claim(&self.spool(), name, FileKind::Cohorts, None)
            .expect("claiming")
            .expect("the file is there to claim")
    }
}

/// The names in a folder, sorted.
pub(super) fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
