//! The service loop of `moodle-sync watch`: list the spool, take the next ready file, apply it,
//! settle anything interrupted, wait for a hint or a timer, again. One file at a time.
//!
//! States and what they do:
//! - Claims left by a crash (this host's dead processes, or this one's interrupted files) are
//!   settled first, from the ledger, under the ledger's lock so that no commit is in flight
//!   (`settle`).
//! - While the database cannot be reached nothing is claimed: files stay in the spool, the
//!   loop retries with a doubling wait (up to `[watch] retry_max_s`) and logs only when the
//!   state changes.
//! - Each ready file is claimed and applied (`take`).
//! - Cancellation (a stop signal) is looked at between files only: the file in progress
//!   finishes, committed or rolled back, with its outputs.

use std::{
    collections::BTreeSet,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::{
    LocalMetrics,
    heartbeat::{self, Activity, DatabaseState},
    take::{Said, Step},
};
use crate::{
    alert::Alerts,
    config::Config,
    db::Db,
    spool::{
        claim::{self, Workspace},
        scan::{self, Candidate, Observation, Rules, Sample, Tracker},
        watcher::{self, Hints, Watching},
    },
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
    /// What the loop is doing, for the heartbeat (`service::heartbeat`).
    pub activity: tokio::sync::watch::Sender<Activity>,
    /// What it measures for the console's `/metrics`.
    pub local: Arc<LocalMetrics>,
}

/// Whether the database answers, to log state changes once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Health {
    Up,
    Down,
}

/// What the loop carries from one round to the next.
struct Round {
    tracker: Tracker,
    health: Health,
    /// The wait before the database is tried again while it cannot be used.
    backoff: Duration,
    ledger_ready: bool,
    /// Claim folders still to settle.
    pending: BTreeSet<PathBuf>,
    listing_failed: bool,
    /// Grows while files cannot be taken (settling or applying fails), so that a lasting
    /// problem is retried calmly; reset by the first file applied.
    retry: Duration,
    /// Whether the next round checks that the database answers before taking a file.
    check: bool,
    said: Said,
}

/// How the spool is watched.
struct Watch<'a> {
    hints: Hints,
    rules: Rules<'a>,
    /// The listing's period when no hint comes.
    interval: Duration,
}

/// How a round ended.
enum Next {
    /// Go round again.
    Again,
    /// Cancelled: stop.
    Stop,
}

impl Service {
    /// Runs until `token` is cancelled; the file in progress, if any, finishes first.
    pub async fn run(&self, token: CancellationToken) {
        let mut watch = self.start_watching();
        let mut round = Round {
            tracker: Tracker::new(),
            health: Health::Up,
            backoff: Duration::from_secs(1),
            ledger_ready: false,
            pending: self.workspace.orphans().into_iter().collect(),
            listing_failed: false,
            retry: Duration::from_secs(1),
            check: false,
            said: Said::default(),
        };
        while !token.is_cancelled() {
            if let Next::Stop = self.round(&mut watch, &mut round, &token).await {
                break;
            }
        }
        info!("Stopped taking files");
    }

    /// Starts watching the spool, and says how.
    fn start_watching(&self) -> Watch<'_> {
        let config = &self.config;
        let spool = &config.paths.spool;
        let settings = &config.watch;
        let hints = watcher::watch(spool, settings.mode);
        let network = watcher::filesystem_type(spool)
            .as_deref()
            .is_some_and(watcher::is_network);
        let how = match hints.watching {
            Watching::Events => "events",
            Watching::Poll => "poll",
        };
        info!(
            spool = %spool.display(),
            database = %self.db.target().describe(),
            watching = how,
            instance = self.workspace.instance(),
            "Watching the spool ({})",
            hints.reason
        );
        self.activity.send_modify(|activity| {
            activity.watching = Some(heartbeat::Watching {
                mode: settings.mode.name().to_owned(),
                how: how.to_owned(),
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
        Watch {
            hints,
            rules,
            interval,
        }
    }

    /// One round: the database, the claims to settle, a listing, the ready files taken, or a
    /// wait for something to do.
    async fn round(
        &self,
        watch: &mut Watch<'_>,
        round: &mut Round,
        token: &CancellationToken,
    ) -> Next {
        let settings = &self.config.watch;
        // The database first: nothing is claimed while it cannot be used.
        if !self.database_answers(round).await {
            let wait = round.backoff;
            round.backoff = (round.backoff * 2).min(settings.retry_max);
            return pause(token, wait).await;
        }
        if !round.pending.is_empty()
            && let Err(problem) = self.settle(&mut round.pending).await
        {
            self.down(&mut round.health, &problem.to_string());
            let wait = round.retry;
            round.retry = (round.retry * 2).min(settings.retry_max);
            return pause(token, wait).await;
        }
        self.log_late_writes();
        let Some(listing) = self.list(round) else {
            return pause(token, watch.interval.min(Duration::from_secs(5))).await;
        };
        let observation =
            round
                .tracker
                .observe(listing, Instant::now(), SystemTime::now(), &watch.rules);
        for name in &observation.newly_unrouted {
            warn!(
                file = %name,
                "File left in the spool: its name matches no routing pattern ({})",
                self.config.routing.describe()
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
            return self.take_ready(&ready, round, token).await;
        }
        self.idle(watch, round, &observation, token).await
    }

    /// Whether the database can be used; says so when that changes.
    async fn database_answers(&self, round: &mut Round) -> bool {
        let reachable = if round.ledger_ready {
            Ok(())
        } else {
            self.db.ensure_ledger().await
        };
        let reachable = match reachable {
            Ok(()) if round.health == Health::Down || round.check => self.db.ping().await,
            other => other,
        };
        if let Err(problem) = reachable {
            self.down(&mut round.health, &problem.to_string());
            return false;
        }
        round.ledger_ready = true;
        round.check = false;
        if round.health == Health::Down {
            info!("The database answers again; taking files");
            round.health = Health::Up;
            self.alerts.database_up();
            self.activity
                .send_modify(|activity| activity.database = DatabaseState::answers());
        }
        round.backoff = Duration::from_secs(1);
        true
    }

    /// Says which applied files changed after their commit (`claim::check_watched`).
    fn log_late_writes(&self) {
        for late in claim::check_watched(&self.config.paths.spool, claim::now_ms()) {
            error!(
                file = %late.name,
                kept = %late.kept.display(),
                "File changed after it was applied: a writer still held it; what it added was not applied, the file as it is now is kept"
            );
        }
    }

    /// Lists the spool; `None` when it cannot be (said once until it can again).
    fn list(&self, round: &mut Round) -> Option<Vec<Sample>> {
        let spool = &self.config.paths.spool;
        match scan::list(spool) {
            Ok(listing) => {
                round.listing_failed = false;
                Some(listing)
            }
            Err(problem) => {
                if !round.listing_failed {
                    error!(spool = %spool.display(), "Cannot list the spool: {problem}");
                    round.listing_failed = true;
                }
                None
            }
        }
    }

    /// Takes the ready files in order, until one cannot be taken.
    async fn take_ready(
        &self,
        ready: &[Candidate],
        round: &mut Round,
        token: &CancellationToken,
    ) -> Next {
        let settings = &self.config.watch;
        for candidate in ready {
            if token.is_cancelled() {
                break;
            }
            match self
                .take_one(candidate, &mut round.pending, &mut round.said)
                .await
            {
                Step::Taken => round.retry = Duration::from_secs(1),
                Step::Skipped => {}
                Step::Writing => {
                    let recheck = settings.poll.min(settings.settle.max(MIN_RECHECK));
                    round
                        .tracker
                        .writing(&candidate.sample.name, Instant::now() + recheck);
                    // A file of its batch may have to wait for it: list again.
                    break;
                }
                Step::Failed => {
                    let wait = round.retry;
                    round.retry = (round.retry * 2).min(settings.retry_max);
                    // The next round checks that the database answers before taking a file.
                    round.check = true;
                    return pause(token, wait).await;
                }
            }
        }
        Next::Again
    }

    /// Nothing ready: waits for a hint, the next settling file, or the timer.
    async fn idle(
        &self,
        watch: &mut Watch<'_>,
        round: &Round,
        observation: &Observation,
        token: &CancellationToken,
    ) -> Next {
        let mut until = Instant::now() + watch.interval;
        if let Some(due) = observation.next_due {
            until = until.min(due + Duration::from_millis(5));
        }
        if !round.pending.is_empty() {
            until = until.min(Instant::now() + round.backoff);
        }
        tokio::select! {
            () = token.cancelled() => Next::Stop,
            _ = watch.hints.receiver.recv() => {
                // Let a burst of events settle into one listing.
                tokio::time::sleep(Duration::from_millis(20)).await;
                Next::Again
            }
            () = tokio::time::sleep_until(until.into()) => Next::Again,
        }
    }

    /// Says once that the database cannot be used, and tells the alerts and the heartbeat.
    fn down(&self, health: &mut Health, problem: &str) {
        if *health == Health::Up {
            warn!("The database cannot be used ({problem}); files stay in the spool, retrying");
            *health = Health::Down;
            self.alerts.database_down(SystemTime::now(), problem);
            self.activity
                .send_modify(|activity| activity.database = DatabaseState::unreachable(problem));
        }
    }
}

/// The shortest wait before a file found open for writing is checked again.
const MIN_RECHECK: Duration = Duration::from_millis(100);

/// Waits `duration` unless cancelled.
async fn pause(token: &CancellationToken, duration: Duration) -> Next {
    tokio::select! {
        () = token.cancelled() => Next::Stop,
        () = tokio::time::sleep(duration) => Next::Again,
    }
}
