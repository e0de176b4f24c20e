//! Applied files watched for late writes: a claimed input whose writer could not be checked
//! is kept an eye on after its commit, in the work folder's `.watched/`, and kept in the failed
//! area if a writer still sends bytes.

use std::{
    fs,
    io::{self, ErrorKind},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

use super::{
    content::changed,
    folder::{Claim, VERSION},
    outputs::{OutputPlan, place},
    state::write_json,
    workspace::WORK_FOLDER,
};
use crate::spool::scan::Stamp;

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

impl Claim {
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
