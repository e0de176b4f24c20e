//! The spool's files as `status` sees them, in one listing: the files waiting to be taken (and
//! why they wait, with the earlier run of the same bytes), and the uploads still arriving.

use std::{
    path::Path,
    time::{Duration, Instant, SystemTime},
};

use super::view::{EarlierView, UploadState, UploadView, WaitingState, WaitingView};
use crate::{
    config::Config,
    db::Db,
    pipeline::show_ms,
    spool::{
        DuplicatePolicy, claim,
        scan::{self, Candidate, Rules, State, Tracker},
        writer,
    },
    status::shown,
};

/// The spool's files, and why it could not be listed.
pub(super) struct SpoolFiles {
    /// Files waiting to be taken, or never taken.
    pub(super) waiting: Vec<WaitingView>,
    /// Uploads in progress.
    pub(super) uploads: Vec<UploadView>,
    /// Why the spool cannot be listed, if it cannot.
    pub(super) error: Option<String>,
}

/// Lists the spool once and tells each file's state, as the service would at `now`; `db`,
/// when usable, names the earlier run of a ready file's bytes.
pub(super) async fn spool_files(config: &Config, db: Option<&Db>, now: SystemTime) -> SpoolFiles {
    let spool = &config.paths.spool;
    let settings = &config.watch;
    let rules = Rules {
        ignore: &settings.ignore,
        routing: &config.routing,
        settle: settings.settle,
        done_marker: settings.done_marker.as_deref(),
        // One listing cannot watch a file stay unchanged: the change time tells.
        trust_change_time: true,
    };
    let (listing, error) = match scan::list(spool) {
        Ok(listing) => (listing, None),
        Err(error) => (Vec::new(), Some(error.to_string())),
    };
    let observation = Tracker::new().observe(listing, Instant::now(), now, &rules);
    let mut waiting = Vec::new();
    let mut uploads = Vec::new();
    for candidate in &observation.candidates {
        let path = candidate.path(spool);
        match classify(config, candidate, &path) {
            Listed::Waiting(state) => {
                waiting.push(waiting_file(config, db, candidate, &path, state, now).await);
            }
            Listed::Arriving(state, remaining_ms, writers) => {
                uploads.push(upload(candidate, state, remaining_ms, writers, now));
            }
            Listed::Marker => {}
        }
    }
    SpoolFiles {
        waiting,
        uploads,
        error,
    }
}

/// What a listed file is, before the ledger is asked about its bytes.
enum Listed {
    /// A file waiting, and why.
    Waiting(WaitingState),
    /// An upload still arriving: what it waits for, the settle time left (in milliseconds),
    /// and who writes it.
    Arriving(UploadState, Option<u64>, Option<String>),
    /// A done marker: part of its file's upload, not one of its own.
    Marker,
}

/// Tells what a listed file is from its state in the listing; a ready file still open for
/// writing is an upload.
fn classify(config: &Config, candidate: &Candidate, path: &Path) -> Listed {
    let settings = &config.watch;
    match candidate.state {
        State::Ignored => {
            let marker_of_a_file = settings.done_marker.as_deref().is_some_and(|marker| {
                candidate
                    .sample
                    .name
                    .to_lowercase()
                    .strip_suffix(&marker.to_lowercase())
                    .is_some()
            });
            if marker_of_a_file {
                Listed::Marker
            } else {
                Listed::Arriving(UploadState::IgnoredName, None, None)
            }
        }
        State::Settling(remaining) => {
            let remaining = u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX);
            Listed::Arriving(UploadState::Settling, Some(remaining), None)
        }
        State::Writing => Listed::Arriving(UploadState::Writing, None, None),
        State::Unrouted => Listed::Waiting(WaitingState::Unrouted),
        State::AwaitingMarker => Listed::Waiting(WaitingState::AwaitingMarker),
        State::Ready => {
            let (writers, _) = writer::check(path, settings.writer_check);
            if writers.is_open() {
                return Listed::Arriving(UploadState::Writing, None, Some(writers.describe()));
            }
            Listed::Waiting(WaitingState::Ready)
        }
    }
}

/// A waiting file: a ready one whose bytes applied every line before is a duplicate (with
/// `[watch] duplicates = "skip"`); the earlier run is named for a duplicate, and for a file that
/// repeats an incomplete run.
async fn waiting_file(
    config: &Config,
    db: Option<&Db>,
    candidate: &Candidate,
    path: &Path,
    state: WaitingState,
    now: SystemTime,
) -> WaitingView {
    let sample = &candidate.sample;
    let earlier = match (db, state) {
        (Some(db), WaitingState::Ready) => match claim::sha256_of(path) {
            Ok(sha) => db.earlier_run(&sha).await.ok().flatten(),
            Err(_) => None,
        },
        _ => None,
    };
    let state = match &earlier {
        Some(earlier)
            if earlier.applied_every_line() && config.watch.duplicates == DuplicatePolicy::Skip =>
        {
            WaitingState::Duplicate
        }
        _ => state,
    };
    WaitingView {
        name: sample.name.clone(),
        path: shown(path),
        size: sample.stamp.size,
        age_s: age_s(now, sample.changed),
        state,
        kind: candidate.kind.map(|kind| kind.name().to_owned()),
        earlier_run: earlier
            // Named for a duplicate, and for a file that repeats an incomplete run.
            .filter(|earlier| state == WaitingState::Duplicate || !earlier.applied_every_line())
            .map(|earlier| EarlierView {
                run: earlier.id,
                outcome: earlier.outcome,
                name: earlier.name,
                finished_at: show_ms(earlier.finished_at),
            }),
    }
}

/// An upload still arriving; its age counts from its last change, of its content or its
/// entry.
fn upload(
    candidate: &Candidate,
    state: UploadState,
    remaining_ms: Option<u64>,
    writers: Option<String>,
    now: SystemTime,
) -> UploadView {
    let sample = &candidate.sample;
    let changed = sample
        .stamp
        .modified
        .map_or(sample.changed, |modified| modified.max(sample.changed));
    UploadView {
        name: sample.name.clone(),
        size: sample.stamp.size,
        age_s: age_s(now, changed),
        state,
        remaining_ms,
        writers,
    }
}

/// Seconds from `then` to `now` (0 for a time ahead of the clock).
fn age_s(now: SystemTime, then: SystemTime) -> u64 {
    now.duration_since(then).unwrap_or(Duration::ZERO).as_secs()
}
