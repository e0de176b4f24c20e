//! Taking one ready file: claimed by a rename once no process writes it, applied by the
//! pipeline, its outcome told to the alerts; a file that cannot be taken goes back to the spool.

use std::{
    collections::{BTreeSet, HashSet},
    fs,
    path::{Path, PathBuf},
    time::Duration,
};

use tracing::{error, info, warn};

use super::{heartbeat::FileInProgress, worker::Service};
use crate::{
    pipeline::{self, Processed, Taker},
    spool::{
        WatchSettings,
        claim::{Claim, PutBack},
        scan::{self, Candidate},
        writer::{self, Writers},
    },
};

/// What became of a ready file.
pub(super) enum Step {
    /// Claimed and decided.
    Taken,
    /// Not taken (another process was first, or it changed: it settles again).
    Skipped,
    /// Not taken: a process still holds it open for writing.
    Writing,
    /// Could not be taken; retry later, after checking the database.
    Failed,
}

/// What the loop says once rather than at every listing.
#[derive(Debug, Default)]
pub(super) struct Said {
    /// Files whose writer was logged, until they are taken.
    writing: HashSet<String>,
    /// Files whose change after reading was logged, until they are taken.
    changed: HashSet<String>,
    /// Whether the writer check was found unable to tell.
    writer_check_unknown: bool,
}

impl Service {
    /// Claims and applies one ready file.
    pub(super) async fn take_one(
        &self,
        candidate: &Candidate,
        pending: &mut BTreeSet<PathBuf>,
        said: &mut Said,
    ) -> Step {
        let config = &self.config;
        let settings = &config.watch;
        let spool = &config.paths.spool;
        let name = &candidate.sample.name;
        let Some(kind) = candidate.kind else {
            return Step::Skipped;
        };
        if self.still_written(&candidate.path(spool), name, said) == Written::Yes {
            return Step::Writing;
        }
        let claimed = self.workspace.claim(
            spool,
            &candidate.sample.name,
            kind,
            settings.done_marker.as_deref(),
        );
        let claim = match claimed {
            Ok(Some(claim)) => claim,
            // Another process took it first.
            Ok(None) => return Step::Skipped,
            Err(problem) => {
                error!(file = %candidate.sample.name, "Cannot claim the file: {problem}");
                return Step::Failed;
            }
        };
        if still_growing(&claim, &candidate.sample.stamp) {
            warn!(file = %claim.name, "File still being written after it settled; back to the spool");
            self.put_back(&claim, pending);
            return Step::Skipped;
        }
        // Claimed by a rename, the file can no longer be opened under its spool name: a writer
        // found now is one that had it open all along, which the listing's check may have
        // raced. Once none is found, none can appear.
        let written = self.still_written(&claim.input(), name, said);
        if written == Written::Yes {
            self.put_back(&claim, pending);
            return Step::Writing;
        }
        // Claimed for good: how long it waited since it arrived as it is (its change time,
        // which a client preserving times cannot set back).
        let arrived_ms = candidate
            .sample
            .changed
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
            });
        self.local.picked_up(claim.claimed_at - arrived_ms);
        let taker = Taker {
            config,
            db: &self.db,
            instance: self.workspace.instance(),
            duplicates: settings.duplicates,
            // A held file is approved by `moodle-sync approve`, never by the service.
            approved: false,
            watch_after: (written == Written::Unknown).then(|| watch_window(settings)),
        };
        self.activity.send_modify(|activity| {
            activity.file = Some(FileInProgress {
                name: claim.name.clone(),
                claim: claim.id.clone(),
                since: claim.claimed_at,
            });
        });
        let processed = pipeline::take(&taker, &claim).await;
        self.activity.send_modify(|activity| activity.file = None);
        match processed {
            Processed::Done(summary) => {
                self.alerts.file(&claim.name, &summary);
                if !summary.problems.is_empty() {
                    // Outputs could not all be put in place: settled again later.
                    pending.insert(claim.dir.clone());
                }
                said.writing.remove(name);
                said.changed.remove(name);
                Step::Taken
            }
            Processed::Changed(change) => {
                if said.changed.insert(name.clone()) {
                    warn!(file = %claim.name, "File not applied, {change}; rolled back, nothing recorded, back in the spool to settle again");
                }
                self.put_back(&claim, pending);
                Step::Skipped
            }
            Processed::Retry(problem) => {
                warn!(file = %claim.name, "Not applied, back in the spool: {problem}");
                self.put_back(&claim, pending);
                Step::Failed
            }
            Processed::Unknown(problem) => {
                warn!(file = %claim.name, "The commit's outcome is unknown ({problem}); the file waits to be settled from the ledger");
                pending.insert(claim.dir.clone());
                Step::Failed
            }
        }
    }

    /// Whether a process holds `path` open for writing (logged once per file); a check that
    /// cannot tell lets the file go, as the settle time says, and is logged once.
    fn still_written(&self, path: &Path, name: &str, said: &mut Said) -> Written {
        match writer::check(path, self.config.watch.writer_check).0 {
            Writers::None => Written::No,
            Writers::Open(_) if !said.writing.insert(name.to_owned()) => Written::Yes,
            writers @ Writers::Open(_) => {
                info!(
                    file = %name,
                    writer = %writers.describe(),
                    "File settled but still open for writing; waiting until its writer closes it"
                );
                Written::Yes
            }
            Writers::Unknown(why) => {
                if !said.writer_check_unknown {
                    said.writer_check_unknown = true;
                    warn!(
                        "Cannot tell whether files are still being written ({why}); the settle time alone decides, and applied files are watched for late writes for {} s (see [watch] writer_check)",
                        watch_window(&self.config.watch).as_secs()
                    );
                }
                Written::Unknown
            }
        }
    }

    /// Puts a claimed file back into the spool, or keeps it pending when it cannot go back.
    pub(super) fn put_back(&self, claim: &Claim, pending: &mut BTreeSet<PathBuf>) {
        match claim.put_back(&self.config.paths.spool) {
            Ok(PutBack::Done) => {}
            Ok(PutBack::NameTaken) => {
                warn!(file = %claim.name, "A new file of the same name was dropped; the claimed one waits in {}", claim.dir.display());
                pending.insert(claim.dir.clone());
            }
            Err(problem) => {
                error!(file = %claim.name, "Cannot put the file back into the spool: {problem}");
                pending.insert(claim.dir.clone());
            }
        }
    }
}

/// Whether the claimed file differs from the listing that found it settled (a writer still
/// holding it open). The change time is not compared: the claim's rename changes it.
fn still_growing(claim: &Claim, settled: &scan::Stamp) -> bool {
    let Ok(metadata) = fs::metadata(claim.input()) else {
        return false;
    };
    let now = scan::Stamp::of(&metadata);
    now.size != settled.size || now.modified != settled.modified || now.inode != settled.inode
}

/// Whether a process holds a file open for writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    /// No: the kernel or `/proc` says so.
    No,
    /// Yes.
    Yes,
    /// Nothing could tell.
    Unknown,
}

/// How long an applied file is watched for late writes when nothing could tell whether its
/// writer was gone: ten settle times, and five minutes at least.
fn watch_window(settings: &WatchSettings) -> Duration {
    (settings.settle * 10).max(Duration::from_secs(300))
}
