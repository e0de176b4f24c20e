//! The service loop of `moodle-sync watch`: list the spool, take the next ready file, apply it,
//! settle anything interrupted, wait for a hint or a timer, again. One file at a time.
//!
//! States and what they do:
//! - Claims left by a crash (this host's dead processes, or this one's interrupted files) are
//!   settled first, from the ledger, under the ledger's lock so that no commit is in flight.
//! - While the database cannot be reached nothing is claimed: files stay in the spool, the
//!   loop retries with a doubling wait (up to `[watch] retry_max_s`) and logs only when the
//!   state changes.
//! - Cancellation (a stop signal) is looked at between files only: the file in progress
//!   finishes, committed or rolled back, with its outputs.

use std::{
    collections::{BTreeSet, HashSet},
    fs,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime},
};

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::{
    claim::{Claim, PutBack, Workspace},
    heartbeat::{self, Activity, DatabaseState, FileInProgress},
    scan::{self, Candidate, Rules, Tracker},
    watcher::{self, Watching},
    writer::{self, Writers},
};
use crate::{
    alert::Alerts,
    config::Config,
    db::{Db, DbError},
    ingest::{self, Processed, Taker},
};

/// The running service's parts.
pub struct Service {
    /// The configuration.
    pub config: Config,
    /// The database.
    pub db: Db,
    /// This process's work folder.
    pub workspace: Workspace,
    /// Where files needing attention and database outages are told; never waits.
    pub alerts: Alerts,
    /// What the loop is doing, for the heartbeat (`spool::heartbeat`).
    pub activity: tokio::sync::watch::Sender<Activity>,
}

/// What became of a ready file.
enum Step {
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
struct Said {
    /// Files whose writer was logged, until they are taken.
    writing: HashSet<String>,
    /// Files whose change after reading was logged, until they are taken.
    changed: HashSet<String>,
    /// Whether the writer check was found unable to tell.
    writer_check_unknown: bool,
}

/// Whether the database answers, to log state changes once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Up,
    Down,
}

impl Service {
    /// Runs until `token` is cancelled; the file in progress, if any, finishes first.
    pub async fn run(&self, token: CancellationToken) {
        let config = &self.config;
        let spool = &config.paths.spool;
        let settings = &config.watch;
        let mut hints = watcher::watch(spool, settings.mode);
        let network = watcher::filesystem_type(spool)
            .as_deref()
            .is_some_and(watcher::is_network);
        info!(
            spool = %spool.display(),
            database = %self.db.target().describe(),
            watching = match hints.watching {
                Watching::Events => "events",
                Watching::Poll => "poll",
            },
            instance = self.workspace.instance(),
            "Watching the spool ({})",
            hints.reason
        );
        self.activity.send_modify(|activity| {
            activity.watching = Some(heartbeat::Watching {
                mode: settings.mode.name().to_owned(),
                how: match hints.watching {
                    Watching::Events => "events",
                    Watching::Poll => "poll",
                }
                .to_owned(),
                reason: hints.reason.clone(),
            });
        });
        let rules = Rules {
            ignore: &settings.ignore,
            routing: &config.routing,
            settle: settings.settle,
            done_marker: settings.done_marker.as_deref(),
            trust_change_time: !network,
        };
        let interval = match hints.watching {
            Watching::Events => settings.reconcile,
            Watching::Poll => settings.poll,
        };
        let mut tracker = Tracker::new();
        let mut health = Health::Up;
        let mut backoff = Duration::from_secs(1);
        let mut ledger_ready = false;
        let mut pending: BTreeSet<PathBuf> = self.workspace.orphans().into_iter().collect();
        let mut listing_failed = false;
        // Grows while files cannot be taken (settling or applying fails), so that a lasting
        // problem is retried calmly; reset by the first file applied.
        let mut retry = Duration::from_secs(1);
        let mut check = false;
        let mut said = Said::default();

        while !token.is_cancelled() {
            // The database first: nothing is claimed while it cannot be used.
            let reachable = if ledger_ready {
                Ok(())
            } else {
                self.db.ensure_ledger().await
            }
            .and(Ok(()));
            let reachable = match reachable {
                Ok(()) if health == Health::Down || check => self.db.ping().await,
                other => other,
            };
            if let Err(problem) = reachable {
                self.down(&mut health, &problem.to_string());
                if wait(&token, backoff).await {
                    break;
                }
                backoff = (backoff * 2).min(settings.retry_max);
                continue;
            }
            ledger_ready = true;
            check = false;
            if health == Health::Down {
                info!("The database answers again; taking files");
                health = Health::Up;
                self.alerts.database_up();
                self.activity
                    .send_modify(|activity| activity.database = DatabaseState::answers());
            }
            backoff = Duration::from_secs(1);

            if !pending.is_empty()
                && let Err(problem) = self.settle(&mut pending).await
            {
                self.down(&mut health, &problem.to_string());
                if wait(&token, retry).await {
                    break;
                }
                retry = (retry * 2).min(settings.retry_max);
                continue;
            }

            for late in super::claim::check_watched(spool, super::claim::now_ms()) {
                error!(
                    file = %late.name,
                    kept = %late.kept.display(),
                    "File changed after it was applied: a writer still held it; what it added was not applied, the file as it is now is kept"
                );
            }
            let listing = match scan::list(spool) {
                Ok(listing) => {
                    listing_failed = false;
                    listing
                }
                Err(problem) => {
                    if !listing_failed {
                        error!(spool = %spool.display(), "Cannot list the spool: {problem}");
                        listing_failed = true;
                    }
                    if wait(&token, interval.min(Duration::from_secs(5))).await {
                        break;
                    }
                    continue;
                }
            };
            let observation = tracker.observe(listing, Instant::now(), SystemTime::now(), &rules);
            for name in &observation.newly_unrouted {
                warn!(
                    file = %name,
                    "File left in the spool: its name matches no routing pattern ({})",
                    config.routing.describe()
                );
            }
            // Take every file this listing found ready, in order, before listing again: a
            // burst of thousands of files is listed a few times, not once per file.
            let ready: Vec<Candidate> = observation
                .ready(settings.settle)
                .into_iter()
                .cloned()
                .collect();
            if !ready.is_empty() {
                let mut failed = false;
                for candidate in &ready {
                    if token.is_cancelled() {
                        break;
                    }
                    match self.take_one(candidate, &mut pending, &mut said).await {
                        Step::Taken => retry = Duration::from_secs(1),
                        Step::Skipped => {}
                        Step::Writing => {
                            let recheck = settings.poll.min(settings.settle.max(MIN_RECHECK));
                            tracker.writing(&candidate.sample.name, Instant::now() + recheck);
                            // A file of its batch may have to wait for it: list again.
                            break;
                        }
                        Step::Failed => {
                            failed = true;
                            break;
                        }
                    }
                }
                if failed {
                    if wait(&token, retry).await {
                        break;
                    }
                    retry = (retry * 2).min(settings.retry_max);
                    // The next round checks that the database answers before taking a file.
                    check = true;
                }
                continue;
            }

            // Nothing ready: wait for a hint, the next settling file, or the timer.
            let mut until = Instant::now() + interval;
            if let Some(due) = observation.next_due {
                until = until.min(due + Duration::from_millis(5));
            }
            if !pending.is_empty() {
                until = until.min(Instant::now() + backoff);
            }
            tokio::select! {
                () = token.cancelled() => break,
                _ = hints.receiver.recv() => {
                    // Let a burst of events settle into one listing.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                () = tokio::time::sleep_until(until.into()) => {}
            }
        }
        info!("Stopped taking files");
    }

    /// Claims and applies one ready file.
    async fn take_one(
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
        let processed = ingest::take(&taker, &claim).await;
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

    fn down(&self, health: &mut Health, problem: &str) {
        if *health == Health::Up {
            warn!("The database cannot be used ({problem}); files stay in the spool, retrying");
            *health = Health::Down;
            self.alerts.database_down(SystemTime::now(), problem);
            self.activity
                .send_modify(|activity| activity.database = DatabaseState::unreachable(problem));
        }
    }

    fn put_back(&self, claim: &Claim, pending: &mut BTreeSet<PathBuf>) {
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

    /// Settles interrupted claims from the ledger. Fails only when the database cannot be
    /// used; a claim that cannot be settled yet stays pending.
    pub async fn settle(&self, pending: &mut BTreeSet<PathBuf>) -> Result<(), DbError> {
        let dirs: Vec<PathBuf> = pending.iter().cloned().collect();
        for dir in dirs {
            let claim = match Claim::load(&dir) {
                Ok(Some(claim)) => claim,
                Ok(None) => {
                    // Claimed nothing (a crash before the rename), or already settled.
                    let _ = fs::remove_dir_all(&dir);
                    pending.remove(&dir);
                    continue;
                }
                Err(problem) => {
                    error!(claim = %dir.display(), "Cannot read the claim: {problem}");
                    continue;
                }
            };
            let spool = &self.config.paths.spool;
            if settle_claim(&self.db, self.workspace.instance(), &claim, spool).await? {
                pending.remove(&dir);
            }
        }
        Ok(())
    }
}

/// Settles one claim: its outputs put in place if the ledger holds it, else its input back in
/// the spool. `Ok(false)`: not settled yet (a file system problem, logged).
pub async fn settle_claim(
    db: &Db,
    instance: &str,
    claim: &Claim,
    spool: &Path,
) -> Result<bool, DbError> {
    // The lock waits for any transaction of this claim still in flight.
    let mut tx = db.begin_locked(instance).await?;
    let found = tx.claimed_run(&claim.id).await;
    let _ = tx.rollback().await;
    let committed = found?;
    match committed {
        Some(run) => match claim.recorded_plan() {
            Ok(Some(plan)) => match claim.publish(&plan) {
                Ok(published) => {
                    info!(
                        file = %claim.name,
                        run,
                        report = %published.files.first().map(|path| path.display().to_string()).unwrap_or_default(),
                        "Interrupted file settled: it was applied; its outputs are now in place"
                    );
                    Ok(true)
                }
                Err(problem) => {
                    error!(file = %claim.name, run, "Cannot put the outputs of an applied file in place: {problem}");
                    Ok(false)
                }
            },
            Ok(None) => {
                // Outputs are staged before the commit, so a committed claim without its plan
                // is one whose removal was interrupted after everything was put in place.
                let _ = claim.discard();
                Ok(true)
            }
            Err(problem) => {
                error!(file = %claim.name, run, claim = %claim.dir.display(), "Cannot read the output plan of an applied file: {problem}");
                Ok(false)
            }
        },
        // Not applied, and the input is gone: a crash while it was being put back, after it
        // was back in the spool. Nothing is left to settle.
        None if !claim.input().exists() => {
            info!(file = %claim.name, "Interrupted file settled: nothing of it was applied, and it is back in the spool");
            let _ = claim.discard();
            Ok(true)
        }
        None => match claim.put_back(spool) {
            Ok(PutBack::Done) => {
                info!(file = %claim.name, "Interrupted file settled: nothing of it was applied; back in the spool");
                Ok(true)
            }
            Ok(PutBack::NameTaken) => Ok(false),
            Err(problem) => {
                error!(file = %claim.name, "Cannot put the file back into the spool: {problem}");
                Ok(false)
            }
        },
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
fn watch_window(settings: &super::WatchSettings) -> Duration {
    (settings.settle * 10).max(Duration::from_secs(300))
}

/// The shortest wait before a file found open for writing is checked again.
const MIN_RECHECK: Duration = Duration::from_millis(100);

/// Waits `duration` unless cancelled; `true` when cancelled.
async fn wait(token: &CancellationToken, duration: Duration) -> bool {
    tokio::select! {
        () = token.cancelled() => true,
        () = tokio::time::sleep(duration) => false,
    }
}
