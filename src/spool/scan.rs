//! What in the spool is ready to be taken, and why the rest waits. The listing is the truth:
//! events only make a listing come sooner.
//!
//! [`list`] reads the spool folder (regular files only). [`Tracker::observe`] is pure: it
//! compares each listing with the previous ones and tells, for every file, whether it is
//! ignored (a temporary upload name), unrouted, waiting for its done marker, settling, or
//! ready; [`order`] puts the ready ones in the order they are applied.
//!
//! A file is ready when its size, modification time, change time and inode have not changed
//! for the settle time. On a local filesystem the change time tells how long a file seen for
//! the first time has been unchanged (no client can set it, unlike the modification time that
//! SFTP clients preserve), so a file that has been sitting in the spool is taken at once. On a
//! network filesystem attribute caches make it untrustworthy, and the settle time counts from
//! the first listing that saw the file. An empty file always waits the settle time from the
//! first listing that saw it: a writer that created it may not have sent its first byte yet.
//!
//! Settled is not enough: the caller also asks `spool::writer` whether a process still holds
//! the file open for writing, and tells the tracker when one does ([`Tracker::writing`]); the
//! file is then [`State::Writing`] until it is checked again.

use std::{
    collections::{HashMap, HashSet},
    fs, io,
    path::{Path, PathBuf},
    time::{Duration, Instant, SystemTime},
};

use serde::{Deserialize, Serialize};

use crate::command::{FileKind, Routing, matches};

/// A file as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Its name in the spool.
    pub name: String,
    /// What identifies its content: any write changes it.
    pub stamp: Stamp,
    /// When it appeared in the spool as it is now (its change time): its drop time.
    pub changed: SystemTime,
}

/// Size, times and identity of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time.
    pub modified: Option<SystemTime>,
    /// Change time, in nanoseconds since the epoch (0 where unknown).
    pub changed_ns: i128,
    /// Device and inode (0 where unknown).
    pub inode: (u64, u64),
}

impl Stamp {
    /// The stamp of `metadata`.
    pub fn of(metadata: &fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                size: metadata.len(),
                modified: metadata.modified().ok(),
                changed_ns: i128::from(metadata.ctime()) * 1_000_000_000
                    + i128::from(metadata.ctime_nsec()),
                inode: (metadata.dev(), metadata.ino()),
            }
        }
        #[cfg(not(unix))]
        {
            Stamp {
                size: metadata.len(),
                modified: metadata.modified().ok(),
                changed_ns: 0,
                inode: (0, 0),
            }
        }
    }

    /// The change time as a system time (the modification time where unknown).
    pub fn changed(&self) -> SystemTime {
        if self.changed_ns > 0 {
            let nanos = u64::try_from(self.changed_ns).unwrap_or(u64::MAX);
            SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos)
        } else {
            self.modified.unwrap_or(SystemTime::UNIX_EPOCH)
        }
    }
}

/// Lists the regular files directly in `dir` (sub-folders, including moodle-sync's own work
/// folder, are not files to take).
pub fn list(dir: &Path) -> io::Result<Vec<Sample>> {
    let mut samples = Vec::new();
    for entry in fs::read_dir(dir)? {
        let Ok(entry) = entry else { continue };
        let Ok(name) = entry.file_name().into_string() else {
            // A name that is not UTF-8 cannot be routed; it stays where it is.
            continue;
        };
        // A file removed between the listing and the stat was taken by someone else.
        let Ok(metadata) = fs::metadata(entry.path()) else {
            continue;
        };
        if !metadata.is_file() {
            continue;
        }
        let stamp = Stamp::of(&metadata);
        samples.push(Sample {
            name,
            changed: stamp.changed(),
            stamp,
        });
    }
    Ok(samples)
}

/// What decides whether a file is taken.
#[derive(Debug, Clone)]
pub struct Rules<'a> {
    /// Names never taken.
    pub ignore: &'a [String],
    /// Name patterns per kind.
    pub routing: &'a Routing,
    /// How long a file must stay unchanged.
    pub settle: Duration,
    /// Suffix of required done markers.
    pub done_marker: Option<&'a str>,
    /// Whether change times can be trusted (local filesystems).
    pub trust_change_time: bool,
}

impl Rules<'_> {
    /// Whether `name` is a temporary upload name (or a done marker) never taken.
    pub fn ignored(&self, name: &str) -> bool {
        self.ignore.iter().any(|pattern| matches(pattern, name))
            || self
                .done_marker
                .is_some_and(|marker| name.to_lowercase().ends_with(&marker.to_lowercase()))
    }
}

/// Why a file is (not yet) taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// A temporary upload name or a done marker: never taken.
    Ignored,
    /// No routing pattern matches its name: it stays in the spool.
    Unrouted,
    /// Its done marker is not there yet.
    AwaitingMarker,
    /// It changed less than the settle time ago; `Duration` is what remains.
    Settling(Duration),
    /// Settled, but a process still holds it open for writing (`spool::writer`): an upload
    /// in progress. Set by the caller that checked, never by [`Tracker::observe`].
    Writing,
    /// Complete: it can be taken.
    Ready,
}

/// A file of the spool and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The file as last listed.
    pub sample: Sample,
    /// Its kind, if routed.
    pub kind: Option<FileKind>,
    /// Why it is (not yet) taken.
    pub state: State,
}

impl Candidate {
    /// Its path in `spool`.
    pub fn path(&self, spool: &Path) -> PathBuf {
        spool.join(&self.sample.name)
    }
}

/// What one listing found.
#[derive(Debug, Default)]
pub struct Observation {
    /// Every file, with its state.
    pub candidates: Vec<Candidate>,
    /// Files found unrouted for the first time (to log once).
    pub newly_unrouted: Vec<String>,
    /// When the next settling file will be ready, if any.
    pub next_due: Option<Instant>,
}

impl Observation {
    /// The ready files, in the order they are applied (see [`order`]). A ready file waits
    /// while a file of an earlier kind of its batch is still settling or open for writing (a
    /// cohort file for the user file dropped with it, a binding file for the cohort file); a
    /// file never waits for a later kind, nor for a file that keeps being written (its change
    /// time moves it out of the batch).
    pub fn ready(&self, settle: Duration) -> Vec<&Candidate> {
        let live: Vec<&Candidate> = self
            .candidates
            .iter()
            .filter(|candidate| {
                matches!(
                    candidate.state,
                    State::Ready | State::Settling(_) | State::Writing
                )
            })
            .collect();
        let mut ready = Vec::new();
        for batch in batches(live, settle) {
            let waiting_for = batch
                .iter()
                .filter(|candidate| matches!(candidate.state, State::Settling(_) | State::Writing))
                .filter_map(|candidate| candidate.kind)
                .min();
            ready.extend(batch.into_iter().filter(|candidate| {
                candidate.state == State::Ready
                    && waiting_for.is_none_or(|earliest| candidate.kind <= Some(earliest))
            }));
        }
        order(ready, settle)
    }
}

/// Remembers each file's stamp between listings.
#[derive(Debug, Default)]
pub struct Tracker {
    seen: HashMap<String, Seen>,
}

#[derive(Debug)]
struct Seen {
    stamp: Stamp,
    /// Since when the stamp has been the same.
    unchanged_since: Instant,
    unrouted_logged: bool,
    /// Found open for writing: not ready before this instant, when it is checked again. A
    /// change of the stamp forgets it (the file settles again first).
    writing_until: Option<Instant>,
}

impl Tracker {
    /// A tracker that has seen nothing.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// Records that a process held `name` open for writing: it is [`State::Writing`] until
    /// `until` (unless it changes meanwhile), then ready again if it is, so that it is checked
    /// again.
    pub fn writing(&mut self, name: &str, until: Instant) {
        if let Some(seen) = self.seen.get_mut(name) {
            seen.writing_until = Some(until);
        }
    }

    /// Takes a listing made at `now` (`wall` on the system clock) and tells every file's state.
    pub fn observe(
        &mut self,
        listing: Vec<Sample>,
        now: Instant,
        wall: SystemTime,
        rules: &Rules<'_>,
    ) -> Observation {
        let names: HashSet<String> = listing.iter().map(|sample| sample.name.clone()).collect();
        self.seen.retain(|name, _| names.contains(name));
        let mut observation = Observation::default();
        for sample in listing {
            let seen = self
                .seen
                .entry(sample.name.clone())
                .or_insert_with(|| Seen {
                    stamp: sample.stamp,
                    unchanged_since: first_unchanged(&sample, now, wall, rules),
                    unrouted_logged: false,
                    writing_until: None,
                });
            if seen.stamp != sample.stamp {
                seen.stamp = sample.stamp;
                seen.unchanged_since = now;
                seen.writing_until = None;
            }
            let kind = rules.routing.kind_of(&sample.name);
            let state = if rules.ignored(&sample.name) {
                State::Ignored
            } else if kind.is_none() {
                if !seen.unrouted_logged {
                    seen.unrouted_logged = true;
                    observation.newly_unrouted.push(sample.name.clone());
                }
                State::Unrouted
            } else if let Some(until) = seen.writing_until.filter(|until| *until > now) {
                // Found open for writing: whatever else it waits for, checked again then.
                observation.next_due = Some(observation.next_due.map_or(until, |d| d.min(until)));
                State::Writing
            } else if let Some(marker) = rules.done_marker {
                if names.contains(&format!("{}{marker}", sample.name)) {
                    State::Ready
                } else {
                    State::AwaitingMarker
                }
            } else {
                let waited = now.saturating_duration_since(seen.unchanged_since);
                if waited >= rules.settle {
                    State::Ready
                } else {
                    let due = seen.unchanged_since + rules.settle;
                    observation.next_due = Some(observation.next_due.map_or(due, |d| d.min(due)));
                    State::Settling(rules.settle - waited)
                }
            };
            observation.candidates.push(Candidate {
                sample,
                kind,
                state,
            });
        }
        observation
            .candidates
            .sort_by(|a, b| a.sample.name.cmp(&b.sample.name));
        observation
    }
}

/// Since when a file seen for the first time has been unchanged: its change time on a local
/// filesystem (bounded by now), else now. An empty file counts from now wherever it is.
fn first_unchanged(sample: &Sample, now: Instant, wall: SystemTime, rules: &Rules<'_>) -> Instant {
    if !rules.trust_change_time || sample.stamp.size == 0 {
        return now;
    }
    let last_change = sample
        .stamp
        .modified
        .map_or(sample.changed, |modified| modified.max(sample.changed));
    let age = wall.duration_since(last_change).unwrap_or(Duration::ZERO);
    now.checked_sub(age).unwrap_or(now)
}

/// Groups files into batches: sorted by drop time, a file dropped less than `settle` after
/// the previous one belongs to its batch.
fn batches(mut files: Vec<&Candidate>, settle: Duration) -> Vec<Vec<&Candidate>> {
    files.sort_by(|a, b| {
        (a.sample.changed, &a.sample.name).cmp(&(b.sample.changed, &b.sample.name))
    });
    let mut batches: Vec<Vec<&Candidate>> = Vec::new();
    let mut previous: Option<SystemTime> = None;
    for file in files {
        let dropped = file.sample.changed;
        let joins = previous.is_some_and(|previous| {
            dropped.duration_since(previous).unwrap_or(Duration::ZERO) < settle
        });
        previous = Some(dropped);
        match batches.last_mut() {
            Some(batch) if joins => batch.push(file),
            _ => batches.push(vec![file]),
        }
    }
    batches
}

/// Puts ready files in the order they are applied: by drop time, then name, except that the
/// files of one batch (dropped less than the settle time apart) go by kind first (user files,
/// then cohort files, then binding files), then name.
pub fn order(mut ready: Vec<&Candidate>, settle: Duration) -> Vec<&Candidate> {
    ready.sort_by(|a, b| {
        (a.sample.changed, &a.sample.name).cmp(&(b.sample.changed, &b.sample.name))
    });
    let mut batches: Vec<(SystemTime, &Candidate)> = Vec::with_capacity(ready.len());
    let mut batch_start = None;
    let mut previous: Option<SystemTime> = None;
    for candidate in ready {
        let dropped = candidate.sample.changed;
        let new_batch = match previous {
            None => true,
            Some(previous) => dropped.duration_since(previous).unwrap_or(Duration::ZERO) >= settle,
        };
        if new_batch {
            batch_start = Some(dropped);
        }
        previous = Some(dropped);
        batches.push((batch_start.unwrap_or(dropped), candidate));
    }
    batches.sort_by(|(batch_a, a), (batch_b, b)| {
        (batch_a, a.kind, &a.sample.name).cmp(&(batch_b, b.kind, &b.sample.name))
    });
    batches
        .into_iter()
        .map(|(_, candidate)| candidate)
        .collect()
}

#[cfg(test)]
mod tests;
